import { describe, expect, it } from 'vitest';
import { Slots } from '../../workers/slots';
import type { HeldMaps } from '../../workers/analyse';

const maps = (id: number): HeldMaps => ({ id, T: 2, nHeads: 1, maps: [new Float32Array([1, 0, 0.5, 0.5])] });

describe('what a worker remembers per model slot', () => {
  it('makes older requests of a slot stale, and only of that slot', () => {
    const s = new Slots();
    s.announce('a', 3);
    expect(s.isStale('a', 2)).toBe(true);
    expect(s.isStale('a', 3)).toBe(false);
    expect(s.isStale('b', 2)).toBe(false); // A's edit does not supersede B's work
    s.announce('a', 1); // an id announced late never moves the newest back
    expect(s.isStale('a', 2)).toBe(true);
  });

  it('keeps the newest analysis of a slot, finds maps by id in either slot, and refuses older maps', () => {
    const s = new Slots();
    expect(s.keep('a', maps(5), 11)).toBe(true);
    expect(s.keep('b', maps(6), 22)).toBe(true);
    expect(s.keep('a', maps(4), 33)).toBe(false); // an older answer arriving late
    expect(s.mapsOf(5)?.id).toBe(5);
    expect(s.mapsOf(6)?.id).toBe(6);
    expect(s.mapsOf(4)).toBeNull();
    expect(s.seeds()).toEqual([11, 22]);
  });

  it('forgets a released slot, whose old work stays stale', () => {
    const s = new Slots();
    s.announce('b', 9);
    s.keep('b', maps(9), 7);
    s.release('b');
    expect(s.mapsOf(9)).toBeNull();
    expect(s.seeds()).toEqual([]);
    expect(s.isStale('b', 8)).toBe(true);
  });
});
