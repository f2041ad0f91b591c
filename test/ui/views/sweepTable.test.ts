import { describe, expect, it } from 'vitest';
import { CSV_HEADER, seriesRows, sweepCsv } from '../../../src/ui/views/sweepTable';
import { exponentWithInterval } from '../../../src/analysis/scaling';

describe('the sweeps as a table and CSV', () => {
  const current = {
    key: 'current',
    name: 'Linear, "fast"',
    series: [
      {
        provider: 'wasm' as const,
        label: 'WASM, 2 threads',
        points: [
          { T: 16, ms: 2, samplesMs: [1, 2, 3, 4, 5] },
          { T: 32, ms: 4, samplesMs: [4, 4, 4] },
          { T: 64, ms: null, note: 'over the memory budget, needs 3 GiB' },
        ],
      },
    ],
  };
  const pinned = { key: 'pin-1', name: 'quadratic', series: [{ provider: 'wasm' as const, label: 'WASM, 2 threads', points: [{ T: 16, ms: 1 }, { T: 32, ms: 4 }] }] };

  it('keeps every sweep and backend apart, with the quartiles of each point and skipped lengths with their reason', () => {
    const rows = seriesRows([pinned, current]);
    expect(rows.map((r) => [r.sweepKey, r.sweep])).toEqual([['pin-1', 'quadratic'], ['current', 'Linear, "fast"']]);
    // [1, 2, 3, 4, 5]: median 3, quartiles 2 and 4 (linear interpolation: positions 1 and 3).
    expect(rows[1]!.points[0]).toMatchObject({ T: 16, median: 3, q1: 2, q3: 4, min: 1, max: 5, n: 5 });
    expect(rows[1]!.skipped).toEqual([{ T: 64, note: 'over the memory budget, needs 3 GiB' }]);
    expect(rows[0]!.fit!.exponent).toBeCloseTo(2, 12); // 1 ms → 4 ms for twice the length
  });

  it('writes one CSV line per point, quoting what needs it, with the exponent of its series', () => {
    const rows = seriesRows([pinned, current]);
    const lines = sweepCsv(rows).trimEnd().split('\n');
    expect(lines[0]).toBe(CSV_HEADER.join(','));
    expect(lines).toHaveLength(1 + 2 + 3);
    const k = exponentWithInterval([{ T: 16, samplesMs: [1, 2, 3, 4, 5] }, { T: 32, samplesMs: [4, 4, 4] }])!;
    expect(lines[3]).toBe(`"Linear, ""fast""",WASM,16,3,2,4,1,5,5,${k.exponent},${k.lo},${k.hi},`.replace('WASM,', '"WASM, 2 threads",'));
    expect(lines[5]).toBe(`"Linear, ""fast""","WASM, 2 threads",64,,,,,,0,${k.exponent},${k.lo},${k.hi},"over the memory budget, needs 3 GiB"`);
  });
});
