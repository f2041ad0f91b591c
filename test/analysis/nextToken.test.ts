import { describe, expect, it } from 'vitest';
import { entropyNats, nextToken, softmax, topK } from '../../src/analysis/nextToken';

describe('softmax', () => {
  it('gives e^s / Σ e^s, by hand', () => {
    // scores 0, ln 2, ln 3 → e^s = 1, 2, 3 → 1/6, 2/6, 3/6
    const p = softmax([0, Math.log(2), Math.log(3)]);
    expect(p[0]).toBeCloseTo(1 / 6, 12);
    expect(p[1]).toBeCloseTo(2 / 6, 12);
    expect(p[2]).toBeCloseTo(3 / 6, 12);
  });

  it('does not overflow for large scores and is unchanged by a shift', () => {
    const p = softmax([1000, 1000 + Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(p[1]).toBeCloseTo(0.75, 12);
  });
});

describe('entropyNats', () => {
  it('is ln 2 for a fair coin, ln 4 for four equal outcomes, 0 for a certain one', () => {
    expect(entropyNats([0.5, 0.5])).toBeCloseTo(Math.LN2, 12);
    expect(entropyNats([0.25, 0.25, 0.25, 0.25])).toBeCloseTo(Math.log(4), 12);
    expect(entropyNats([0, 1, 0])).toBe(0);
  });

  it('matches −Σ p ln p for 1/6, 2/6, 3/6', () => {
    const h = -((1 / 6) * Math.log(1 / 6) + (2 / 6) * Math.log(2 / 6) + (3 / 6) * Math.log(3 / 6));
    expect(h).toBeCloseTo(1.0114042647, 9); // by hand: 0.29863 + 0.36620 + 0.34657
    expect(entropyNats([1 / 6, 2 / 6, 3 / 6])).toBeCloseTo(h, 12);
  });
});

describe('topK', () => {
  it('orders by probability, ties by id, and keeps k', () => {
    expect(topK([0.1, 0.4, 0.1, 0.4], 3)).toEqual([{ id: 1, p: 0.4 }, { id: 3, p: 0.4 }, { id: 0, p: 0.1 }]);
    expect(topK([0.5, 0.5], 10)).toHaveLength(2);
    expect(topK([0.5, 0.5], 0)).toEqual([]);
  });
});

describe('nextToken', () => {
  it('reads row `position` of [T, V] logits', () => {
    // T = 2, V = 3. Row 1: 0, ln 2, ln 3 → probabilities 1/6, 1/3, 1/2.
    const logits = Float32Array.from([5, 0, 0, 0, Math.log(2), Math.log(3)]);
    const r = nextToken(logits, 3, 1, 2);
    expect(r.position).toBe(1);
    expect(r.top.map((t) => t.id)).toEqual([2, 1]);
    expect(r.top[0]!.p).toBeCloseTo(0.5, 6);
    expect(r.top[1]!.p).toBeCloseTo(1 / 3, 6);
    expect(r.entropyNats).toBeCloseTo(1.0114042647, 6);
    expect(r.entropyBits).toBeCloseTo(1.0114042647 / Math.LN2, 6); // 1.45915 bits
    expect(r.uniformNats).toBeCloseTo(Math.log(3), 12);
  });

  it('gives the uniform maximum for equal logits, and refuses a position outside the rows', () => {
    const r = nextToken(new Float32Array(8), 4, 0);
    expect(r.entropyNats).toBeCloseTo(Math.log(4), 12);
    expect(r.top).toHaveLength(4);
    expect(r.top[0]).toEqual({ id: 0, p: 0.25 });
    expect(() => nextToken(new Float32Array(8), 4, 2)).toThrow(RangeError);
    expect(() => nextToken(new Float32Array(8), 4, -1)).toThrow(RangeError);
  });
});
