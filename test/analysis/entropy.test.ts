import { describe, expect, it } from 'vitest';
import { headEntropies } from '../../src/analysis/entropy';

describe('headEntropies', () => {
  it('gives log n and fraction 1 for uniform causal rows, by hand', () => {
    // One head, T = 3, causal and uniform: rows see 1, 2, 3 keys.
    const map = Float32Array.from([1, 0, 0, 0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3]);
    const entropy = Float32Array.from([0, Math.log(2), Math.log(3)]);
    const [h] = headEntropies(entropy, map, 1, 3);
    expect(h!.meanNats).toBeCloseTo((Math.log(2) + Math.log(3)) / 3, 6);
    expect(h!.meanFraction).toBeCloseTo(1, 6); // row 0 has one key and is left out
  });

  it('counts the keys of windows and bidirectional rows from the map, not from causality', () => {
    // T = 3, a bidirectional window of 2: rows see {0,1}, {0,1,2}, {1,2}, uniformly.
    const map = Float32Array.from([0.5, 0.5, 0, 1 / 3, 1 / 3, 1 / 3, 0, 0.5, 0.5]);
    const entropy = Float32Array.from([Math.log(2), Math.log(3), Math.log(2)]);
    const [h] = headEntropies(entropy, map, 1, 3);
    expect(h!.meanFraction).toBeCloseTo(1, 6);
  });

  it('gives 0 for rows with all weight on one of several keys, and separates heads', () => {
    const T = 2;
    // head 0: one-hot rows that still give a tiny weight elsewhere (entropy ≈ 0); head 1: uniform
    const map = Float32Array.from([1, 1e-9, 1e-9, 1, 0.5, 0.5, 0.5, 0.5]);
    const entropy = Float32Array.from([0, 0, Math.log(2), Math.log(2)]);
    const [h0, h1] = headEntropies(entropy, map, 2, T);
    expect(h0!.meanNats).toBe(0);
    expect(h0!.meanFraction).toBe(0);
    expect(h1!.meanNats).toBeCloseTo(Math.log(2), 6);
    expect(h1!.meanFraction).toBeCloseTo(1, 6);
  });

  it('handles signed implicit maps (entropy over |A|) and has no fraction when no row has two keys', () => {
    const map = Float32Array.from([-2, 0, 1, -1]); // pooling-like, T = 2
    const entropy = Float32Array.from([0, Math.log(2)]);
    expect(headEntropies(entropy, map, 1, 2)[0]!.meanFraction).toBeCloseTo(1, 6);
    expect(headEntropies(Float32Array.from([0]), Float32Array.from([1]), 1, 1)[0]!.meanFraction).toBeNaN();
  });
});
