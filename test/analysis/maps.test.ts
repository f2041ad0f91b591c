import { describe, expect, it } from 'vitest';
import { blockFor, downsample, rowSupport } from '../../src/analysis/maps';

/** [H, T, T] with map[h][i][j] = f(h, i, j). */
const build = (H: number, T: number, f: (h: number, i: number, j: number) => number) =>
  Float32Array.from({ length: H * T * T }, (_, k) => f(Math.floor(k / (T * T)), Math.floor(k / T) % T, k % T));

describe('map downsampling', () => {
  it('keeps small maps exact and picks the block that fits', () => {
    expect(blockFor(43, 512)).toEqual({ block: 1, side: 43 });
    expect(blockFor(1000, 512)).toEqual({ block: 2, side: 500 });
    expect(blockFor(8192, 512)).toEqual({ block: 16, side: 512 });
    const maps = build(2, 5, (h, i, j) => h * 100 + i * 10 + j);
    const small = downsample(maps, 5, 1, 8);
    expect(small.block).toBe(1);
    expect(Array.from(small.values)).toEqual(Array.from(maps.subarray(25, 50)));
  });

  it('averages blocks, partial ones by the cells they hold', () => {
    // T = 5 into at most 2 cells a side: blocks of 3 (rows/keys 0–2 and 3–4).
    const maps = build(1, 5, (_, i, j) => i * 10 + j);
    const m = downsample(maps, 5, 0, 2);
    expect(m).toMatchObject({ side: 2, block: 3 });
    const mean = (is: number[], js: number[]) => is.flatMap((i) => js.map((j) => i * 10 + j)).reduce((a, b) => a + b, 0) / (is.length * js.length);
    expect(Array.from(m.values)).toEqual([mean([0, 1, 2], [0, 1, 2]), mean([0, 1, 2], [3, 4]), mean([3, 4], [0, 1, 2]), mean([3, 4], [3, 4])].map((v) => Math.fround(v)));
  });

  it('thumbnails average magnitudes, so signed weights do not cancel', () => {
    const maps = Float32Array.from([1, -1, -1, 1]);
    expect(Array.from(downsample(maps, 2, 0, 1).values)).toEqual([0]);
    expect(Array.from(downsample(maps, 2, 0, 1, true).values)).toEqual([1]);
  });

  it('counts the keys each row uses', () => {
    const maps = build(2, 3, (h, i, j) => (h === 0 ? (j <= i ? 1 : 0) : 1));
    expect(Array.from(rowSupport(maps, 2, 3))).toEqual([1, 2, 3, 3, 3, 3]);
  });
});
