import { describe, expect, it } from 'vitest';
import { exportTicks } from '../../../src/ui/views/mapExport';

describe('tick labels of an exported map', () => {
  it('label every cell when the picture can give each one 11 px, and one in k with k as small as fits otherwise', () => {
    for (const side of [1, 43, 100]) {
      const { plot, ticks, step } = exportTicks(side);
      expect(step).toBe(1);
      expect(ticks).toEqual(Array.from({ length: side }, (_, i) => i));
      expect(plot / side).toBeGreaterThanOrEqual(11);
    }
    for (const side of [101, 257, 500, 512]) {
      const { plot, ticks, step } = exportTicks(side);
      expect(ticks[0]).toBe(0);
      ticks.forEach((t, k) => expect(t).toBe(k * step));
      expect(ticks[ticks.length - 1]! + step).toBeGreaterThanOrEqual(side); // the labels reach the end
      expect((plot / side) * step).toBeGreaterThanOrEqual(11); // and do not overlap
      expect((plot / side) * (step - 1)).toBeLessThan(11); // one fewer cell between labels would
    }
  });
});
