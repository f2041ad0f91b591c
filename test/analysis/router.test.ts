import { describe, expect, it } from 'vitest';
import { nearestFlagged } from '../../src/analysis/router';

describe('nearestFlagged', () => {
  it('gives the index itself when flagged, else the nearest, the earlier on a tie', () => {
    const f = [false, true, false, true, false];
    expect(nearestFlagged(f, 1)).toBe(1);
    expect(nearestFlagged(f, 0)).toBe(1);
    expect(nearestFlagged(f, 2)).toBe(1); // 1 and 3 are both one away
    expect(nearestFlagged(f, 4)).toBe(3);
    expect(nearestFlagged(f, 9)).toBe(3);
  });

  it('is null when nothing is flagged', () => {
    expect(nearestFlagged([false, false], 0)).toBeNull();
    expect(nearestFlagged([], 0)).toBeNull();
  });
});
