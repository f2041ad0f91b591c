/**
 * The FLOP fit: solved on compiled costs at powers of two, it reproduces held-out compiled costs
 * exactly, including a length twice the largest sample (the extrapolation the projection relies on).
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../../src/compiler/compile';
import { graphCost } from '../../../src/graph/cost';
import { fitMode, SAMPLE_MAX } from '../../../workers/servingModel';
import { evaluate, fitCosts, fitText, sampleLengths, solve } from '../../../src/analysis/serving/fit';
import { findPreset } from '../../../src/presets';
import { defaultLayer, defaultSpec } from '../../../src/spec/defaults';
import type { Spec } from '../../../src/spec/types';

const flopsAt = (spec: Spec, T: number) => graphCost(compile({ ...spec, maxLen: Math.max(spec.maxLen, T) }, { T, mode: 'fast' })).total.flops;
const withMixer = (kind: string, params: Record<string, unknown> = {}): Spec => ({ ...defaultSpec(), name: kind, layers: [{ ...defaultLayer(), mixer: { kind, params } }] });

describe('solve and fitCosts', () => {
  it('recovers a known polynomial exactly and writes it', () => {
    const f = (T: number) => 7 + 3 * T + 2 * T * T;
    const fit = fitCosts([128, 256, 512, 1024].map((T) => ({ T, cost: f(T) })));
    expect(fit.exact).toBe(true);
    expect(fit.terms).toHaveLength(3);
    expect(fit.coefficients.map((c) => Math.round(c))).toEqual([7, 3, 2]);
    expect(fitText(fit)).toBe('7 + 3·T + 2·T²');
    expect(evaluate(fit, 1 << 20)).toBe(f(1 << 20));
  });
  it('needs the T·log₂T term for a butterfly count, and finds it', () => {
    const f = (T: number) => 5 * T + 9 * T * Math.log2(T);
    const fit = fitCosts([64, 128, 256, 512, 1024, 2048].map((T) => ({ T, cost: f(T) })));
    expect(fit.exact).toBe(true);
    expect(fit.terms).toContain('TlogT');
    expect(Math.abs(evaluate(fit, 1 << 20) / f(1 << 20) - 1)).toBeLessThan(1e-9);
  });
  it('says when no basis reproduces the held-out costs', () => {
    const fit = fitCosts([128, 256, 512, 1024, 2048, 4096].map((T) => ({ T, cost: Math.ceil(Math.sqrt(T)) * T })));
    expect(fit.exact).toBe(false);
    expect(fit.heldOutError).toBeGreaterThan(1e-6);
  });
  it('refuses too few lengths and a singular system', () => {
    expect(() => fitCosts([{ T: 1, cost: 1 }])).toThrow(/too few/);
    expect(() => solve([[1, 1], [1, 1]], [1, 2])).toThrow(/do not determine/);
  });
  it('samples the largest powers of two in range', () => {
    expect(sampleLengths(4096, 6, 128)).toEqual([128, 256, 512, 1024, 2048, 4096]);
    expect(sampleLengths(3000, 3, 128)).toEqual([512, 1024, 2048]);
  });
});

describe('fitMode on compiled graphs', () => {
  const cases: [string, Spec][] = [
    ['the default preset', findPreset('default')!.spec()],
    ['GPT-2 small', findPreset('gpt2-small')!.spec()],
    ['LLaMA-style (GQA)', findPreset('llama-style')!.spec()],
    ['linear attention (chunked)', withMixer('linear_attention')],
    ['retention (T·log₂T terms)', withMixer('retention')],
    ['pooling (linear)', withMixer('pooling')],
  ];
  for (const [what, spec] of cases)
    it(`${what}: the fit reproduces the compiled FLOPs at 2·${SAMPLE_MAX} and 3·1024, not sampled (3·1024 only without log terms)`, () => {
      const fit = fitMode(spec, 'fast');
      expect(fit.exact, `${what}: held-out error ${fit.heldOutError}`).toBe(true);
      // A T·log₂T fit counts ⌈log₂T⌉ doubling steps: exact at powers of two, interpolated between them.
      const lengths = fit.terms.includes('TlogT') ? [2 * SAMPLE_MAX] : [2 * SAMPLE_MAX, 3 * 1024];
      for (const T of lengths) {
        const compiled = flopsAt(spec, T);
        expect(Math.abs(evaluate(fit, T) - compiled) / compiled, `${what} at T = ${T}`).toBeLessThan(1e-9);
      }
    });
  it('softmax attention is quadratic: the T² coefficient is 4·d per layer (QKᵀ and AV) plus the softmax, mask and scale per element', () => {
    const spec = findPreset('default')!.spec();
    const fit = fitMode(spec, 'fast');
    const c2 = fit.coefficients[fit.terms.indexOf('T2')]!;
    // QKᵀ and AV: 2·T·T·(d/H) each per head, 4·T²·d per layer; the rest (softmax 5, scale, mask) per element of [H, T, T].
    const perLayer = 4 * spec.dModel;
    expect(c2).toBeGreaterThanOrEqual(spec.layers.length * perLayer);
    expect(c2).toBeLessThanOrEqual(spec.layers.length * (perLayer + 10 * spec.nHeads));
  });
});
