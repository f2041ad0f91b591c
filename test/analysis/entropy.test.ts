import { describe, expect, it } from 'vitest';
import { headEntropies } from '../../src/analysis/entropy';

const causal = (i: number) => i + 1;

describe('headEntropies', () => {
  it('gives log n and fraction 1 for uniform causal rows, by hand', () => {
    // One head, T = 3, causal and uniform: rows see 1, 2, 3 keys.
    const entropy = Float32Array.from([0, Math.log(2), Math.log(3)]);
    const [h] = headEntropies(entropy, 1, 3, causal);
    expect(h!.meanNats).toBeCloseTo((Math.log(2) + Math.log(3)) / 3, 6);
    expect(h!.meanFraction).toBeCloseTo(1, 6); // row 0 sees one key and is left out
  });

  it('gives 0 for rows with all weight on one of several visible keys, and separates heads', () => {
    const T = 2;
    const entropy = Float32Array.from([0, 0, /* head 1 */ Math.log(2), Math.log(2)]);
    const [h0, h1] = headEntropies(entropy, 2, T, () => T);
    expect(h0!.meanNats).toBe(0);
    expect(h0!.meanFraction).toBe(0);
    expect(h1!.meanNats).toBeCloseTo(Math.log(2), 6);
    expect(h1!.meanFraction).toBeCloseTo(1, 6);
  });

  it('has no fraction when no row can see two keys', () => {
    const [h] = headEntropies(Float32Array.from([0]), 1, 1, causal);
    expect(h!.meanFraction).toBeNaN();
  });
});
