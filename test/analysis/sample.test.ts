import { describe, expect, it } from 'vitest';
import { argmax, chooseToken, drawFrom, samplingProbs } from '../../src/analysis/sample';
import { Rng } from '../../src/train/random';

/** softmax(x / τ) written out in float64 from the definition, independently of src/analysis. */
function refSoftmax(x: number[], tau: number): number[] {
  const e = x.map((v) => Math.exp(v / tau - Math.max(...x) / tau));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

const LOGITS = [1.2, -0.3, 0.8, 2.1, -1.5, 0.0, 1.9, -0.7];

/** Pearson's χ² statistic of `counts` against `probs` over n draws. */
function chiSquare(counts: number[], probs: number[], n: number): number {
  return counts.reduce((s, c, i) => s + (c - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}

describe('sample', () => {
  it('draws follow softmax(logits / τ) (χ² with a fixed seed)', () => {
    // 7 degrees of freedom: the 0.999 quantile of χ²(7) is 24.32.
    for (const tau of [0.5, 1, 2]) {
      const rng = new Rng(1234 + tau * 10);
      const n = 40000;
      const counts = new Array<number>(LOGITS.length).fill(0);
      for (let i = 0; i < n; i++) counts[chooseToken(LOGITS, { mode: 'sample', temperature: tau }, rng)]!++;
      expect(chiSquare(counts, refSoftmax(LOGITS, tau), n), `τ = ${tau}`).toBeLessThan(24.32);
    }
  });

  it('samplingProbs is softmax(logits / τ)', () => {
    const p = samplingProbs(LOGITS, 0.7);
    refSoftmax(LOGITS, 0.7).forEach((q, i) => expect(p[i]).toBeCloseTo(q, 12));
  });

  it('τ → 0 is greedy', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const logits = Array.from({ length: 20 }, () => rng.float() * 10 - 5);
      let best = 0;
      logits.forEach((v, i) => (v > logits[best]! ? (best = i) : 0));
      expect(argmax(logits)).toBe(best);
      expect(chooseToken(logits, { mode: 'sample', temperature: 1e-6 }, rng)).toBe(best);
      expect(chooseToken(logits, { mode: 'greedy', temperature: 1 }, rng)).toBe(best);
    }
  });

  it('top-k never picks outside the k largest, and renormalises over them', () => {
    const k = 3;
    const allowed = new Set([3, 6, 0]); // the three largest of LOGITS: 2.1, 1.9, 1.2
    const rng = new Rng(99);
    const n = 20000;
    const counts = new Array<number>(LOGITS.length).fill(0);
    for (let i = 0; i < n; i++) counts[chooseToken(LOGITS, { mode: 'sample', temperature: 3, topK: k }, rng)]!++;
    counts.forEach((c, i) => {
      if (!allowed.has(i)) expect(c, `token ${i}`).toBe(0);
    });
    const sub = refSoftmax([2.1, 1.9, 1.2], 3);
    // 2 degrees of freedom: the 0.999 quantile of χ²(2) is 13.82.
    expect(chiSquare([counts[3]!, counts[6]!, counts[0]!], sub, n)).toBeLessThan(13.82);
  });

  it('the same seed gives the same draws', () => {
    const draw = (seed: number) => {
      const rng = new Rng(seed);
      return Array.from({ length: 30 }, () => chooseToken(LOGITS, { mode: 'sample', temperature: 1.5 }, rng));
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  it('never draws a zero-probability token', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 1000; i++) expect(drawFrom([0, 0.5, 0, 0.5, 0], rng) % 2).toBe(1);
  });

  it('refuses a bad temperature or k', () => {
    expect(() => samplingProbs(LOGITS, 0)).toThrow(RangeError);
    expect(() => samplingProbs(LOGITS, Number.NaN)).toThrow(RangeError);
    expect(() => samplingProbs(LOGITS, 1, 0)).toThrow(RangeError);
  });
});
