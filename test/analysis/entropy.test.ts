import { describe, expect, it } from 'vitest';
import { headEntropies as fromSupport, headEntropyGrid, rowFractions } from '../../src/analysis/entropy';
import { rowSupport } from '../../src/analysis/maps';

/** Entropies summarised with the keys each row uses counted from the map, as the worker does. */
const headEntropies = (entropy: Float32Array, map: Float32Array, H: number, T: number) => fromSupport(entropy, rowSupport(map, H, T), H, T);

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

describe('rowFractions', () => {
  it('divides each row by log of its keys, NaN for single-key rows', () => {
    const f = rowFractions(Float32Array.from([0, Math.log(2) / 2, Math.log(3)]), [1, 2, 3]);
    expect(f[0]).toBeNaN();
    expect(f[1]).toBeCloseTo(0.5, 6);
    expect(f[2]).toBeCloseTo(1, 6);
  });
});

describe('headEntropyGrid', () => {
  it('summarises every layer run like headEntropies', () => {
    // 2 runs, 1 head, T = 2: run 0 uniform over 2 keys in row 1, run 1 all on one key.
    const entropy = [Float32Array.from([0, Math.log(2)]), Float32Array.from([0, 0])];
    const support = [[1, 2], [1, 2]];
    const grid = headEntropyGrid(entropy, support, 1, 2);
    expect(grid).toHaveLength(2);
    expect(grid[0]![0]!.meanNats).toBeCloseTo(Math.log(2) / 2, 6);
    expect(grid[0]![0]!.meanFraction).toBeCloseTo(1, 6);
    expect(grid[1]![0]!.meanFraction).toBe(0);
  });
});
