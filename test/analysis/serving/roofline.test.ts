/** The roofline bound and the longest-context arithmetic, on cases computed by hand. */
import { describe, expect, it } from 'vitest';
import { longestFitting, roofline } from '../../../src/analysis/serving/roofline';
import { findProfile, PROFILES } from '../../../src/analysis/serving/profiles';
import { chartLengths, longestContext, MAX_CONTEXT, projectAt, type ServingModel, type ServingSettings } from '../../../src/analysis/serving/projection';

describe('roofline', () => {
  it('is the larger of FLOPs / peak and bytes / bandwidth (H100: 989.4 TFLOP/s, 3.35 TB/s)', () => {
    const h100 = findProfile('h100-sxm')!;
    // Decode of a 7B-parameter model in bf16 at batch 1: 14 GB read, 14 GFLOP (2 per parameter).
    const r = roofline(14e9, 14e9, h100.peakFlops, h100.bandwidth);
    expect(r.memoryS).toBeCloseTo(14e9 / 3.35e12, 15); // 4.179 ms
    expect(r.computeS).toBeCloseTo(14e9 / 989.4e12, 15); // 14.15 µs
    expect(r.boundS).toBe(r.memoryS);
    expect(r.limit).toBe('memory');
    // Prefill of 4,096 tokens: 4,096 times the FLOPs, the same weights: compute-bound.
    const p = roofline(4096 * 14e9, 14e9, h100.peakFlops, h100.bandwidth);
    expect(p.boundS).toBeCloseTo((4096 * 14e9) / 989.4e12, 12); // 57.96 ms
    expect(p.limit).toBe('compute');
  });
  it('every profile names a source and uses dense 16-bit peaks', () => {
    for (const p of PROFILES) {
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.precision).toMatch(/dense/);
      expect(p.peakFlops).toBeGreaterThan(1e13);
      expect(p.bandwidth).toBeGreaterThan(1e11);
    }
  });
});

describe('longest context', () => {
  it('bisection finds floor((capacity − W) / k) for memory W + k·L', () => {
    const W = 1_000_000;
    const k = 4096;
    const cap = 80e9;
    expect(longestFitting((L) => W + k * L, cap, 1 << 30)).toBe(Math.floor((cap - W) / k));
    expect(longestFitting((L) => W + k * L, W, 100)).toBe(0);
    expect(longestFitting(() => 1, 2, 100)).toBe(100);
  });

  /** A model with a plain K/V cache: 2 layers × K and V × 2 kv heads × 32 dims, float32 = 1,024 bytes a token. */
  const cacheModel = (over: Partial<ServingModel> = {}): ServingModel => ({
    name: 'hand',
    params: { base: 1e6, perPosition: 0 },
    maxLen: 128,
    positionsLimited: false,
    prefill: { terms: ['T', 'T2'], coefficients: [2e6, 512], solvedOn: [], heldOut: [], heldOutError: 0, exact: true },
    decode: { terms: ['one', 'T'], coefficients: [2e6, 512], solvedOn: [], heldOut: [], heldOutError: 0, exact: true },
    decodeMissing: null,
    state: [
      { run: 0, name: 'k', kind: 'cache', constant: 0, perToken: 2 * 32 * 4, cap: null },
      { run: 0, name: 'v', kind: 'cache', constant: 0, perToken: 2 * 32 * 4, cap: null },
      { run: 1, name: 'k', kind: 'cache', constant: 0, perToken: 2 * 32 * 4, cap: null },
      { run: 1, name: 'v', kind: 'cache', constant: 0, perToken: 2 * 32 * 4, cap: null },
    ],
    stateMissing: null,
    ...over,
  });
  const settings = (over: Partial<ServingSettings> = {}): ServingSettings => ({ bytesPerNumber: 2, batch: 4, memoryBytes: 1e9, bandwidth: 1e12, peakFlops: 1e14, ...over });

  it('a K/V cache: (memory − weights) / (batch · bytes per token), in the chosen precision', () => {
    const m = cacheModel();
    const s = settings();
    // bf16: weights 2 MB; the cache 1,024 float32 bytes a token → 512 bytes in bf16, × 4 sequences = 2,048 bytes a token.
    expect(longestContext(m, s)).toBe(Math.floor((1e9 - 2e6) / 2048));
    const p = projectAt(m, s, 1000);
    expect(p.weightsBytes).toBe(2e6);
    expect(p.stateBytesPerToken).toBe(2048);
    expect(p.stateBytes).toBe(2048 * 1000);
    expect(p.constantStateBytes).toBe(0);
    expect(p.prefillFlops).toBe(4 * (2e6 * 1000 + 512 * 1e6));
    expect(p.decodeFlops).toBe(4 * (2e6 + 512 * 1000));
    expect(p.decodeBytes).toBe(2e6 + 2048 * 1000);
    expect(p.decode!.boundS).toBe(Math.max(p.decodeFlops! / 1e14, p.decodeBytes / 1e12));
    // fp32 doubles the bytes, not the FLOPs.
    expect(longestContext(m, settings({ bytesPerNumber: 4 }))).toBe(Math.floor((1e9 - 4e6) / 4096));
  });
  it('a recurrent state fits at every context when the weights fit', () => {
    const m = cacheModel({ state: [{ run: 0, name: 'S', kind: 'recurrent', constant: 65536, perToken: 0, cap: null }] });
    expect(longestContext(m, settings())).toBe(MAX_CONTEXT);
    const p = projectAt(m, settings(), 1 << 20);
    expect(p.stateBytesPerToken).toBe(0);
    expect(p.constantStateBytes).toBe(4 * 65536 / 2);
  });
  it('a learned position table grows with the context: its rows count as weights', () => {
    const m = cacheModel({ params: { base: 1e6, perPosition: 64 }, positionsLimited: true, state: [] });
    const s = settings({ batch: 1 });
    // 2·(1e6 + (L − 128)·64) ≤ 1e9 → L ≤ 128 + (5e8 − 1e6) / 64.
    expect(longestContext(m, s, 1 << 30)).toBe(128 + Math.floor((5e8 - 1e6) / 64));
  });
  it('a sliding window caps the cache: past the window a token adds nothing, and everything fits', () => {
    const m = cacheModel({ state: [{ run: 0, name: 'k', kind: 'cache', constant: 0, perToken: 256, cap: 8 }] });
    const s = settings({ batch: 1 });
    expect(projectAt(m, s, 4).stateBytesPerToken).toBe(128);
    expect(projectAt(m, s, 8).stateBytesPerToken).toBe(0);
    expect(projectAt(m, s, 1 << 20).stateBytes).toBe(8 * 128);
    expect(longestContext(m, s)).toBe(MAX_CONTEXT);
  });
  it('chart lengths run from 1 to 2^20 at half-octave steps', () => {
    const ls = chartLengths();
    expect(ls[0]).toBe(1);
    expect(ls.at(-1)).toBe(MAX_CONTEXT);
    expect(ls).toContain(1024);
    expect(ls.every((L, i) => i === 0 || L > ls[i - 1]!)).toBe(true);
    expect(ls.length).toBe(40); // 2^0 … 2^20 at half-octaves, 2^0.5 rounding to 1 once more
  });
});
