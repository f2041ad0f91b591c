/** "This browser" as a measured profile, and the check of projected against measured times. */
import { describe, expect, it } from 'vitest';
import { browserProfile, checkRows } from '../../../src/analysis/serving/measured';
import { roofline } from '../../../src/analysis/serving/roofline';

describe('the measured browser profile', () => {
  it('is FLOPs / time and bytes / time of what was measured, labelled as measured', () => {
    const p = browserProfile({ T: 43, ms: 2, amount: 1e7 }, { T: 128, ms: 4, amount: 2e6 }, 'wasm', 2 * 1024 ** 3);
    expect(p.peakFlops).toBe(1e7 / 0.002); // 5 GFLOP/s
    expect(p.bandwidth).toBe(2e6 / 0.004); // 0.5 GB/s
    expect(p.memoryBytes).toBe(2 * 1024 ** 3);
    expect(p.measured).toBe(true);
    expect(p.name).toMatch(/measured/);
  });
  it('without a decode measurement the bandwidth is unknown and the memory term drops out', () => {
    const p = browserProfile({ T: 43, ms: 2, amount: 1e7 }, null, 'wasm', 1e9);
    expect(p.bandwidth).toBe(Infinity);
    const r = roofline(1e7, 1e9, p.peakFlops, p.bandwidth);
    expect(r.memoryS).toBe(0);
    expect(r.boundS).toBeCloseTo(0.002, 12);
  });
  it('projects each measurement at the calibrated rate: projected = amount / rate, ratio = measured / projected', () => {
    const rows = checkRows([{ T: 128, ms: 12, amount: 4e7 }, { T: 256, ms: 20, amount: 1e8 }], 5e9);
    expect(rows.map((r) => r.projectedMs)).toEqual([8, 20]);
    expect(rows.map((r) => r.ratio)).toEqual([1.5, 1]);
  });
});
