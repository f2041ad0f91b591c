// Lessons are data the page can follow: every step's model validates and compiles at its text's
// length, points at a known panel and a view inside its model; and the numbers the step texts
// quote are what the models really give.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { findPreset } from '../../src/presets';
import { FOCUS_KEYS, HIDE_KEYS, LESSONS, findLesson, resolveStep, type Lesson, type ExperimentFigure } from '../../src/presets/lessons';
import { DEFAULT_TEXT } from '../../src/spec/defaults';
import { layerSchedule } from '../../src/spec/schedule';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { analyse } from '../../workers/analyse';
import type { HeldMaps } from '../../workers/analyse';
import type { AnalysisResult } from '../../workers/api';
import { nodeSessions } from '../helpers';
import type { Figure } from '../../src/analysis/figures';

/** A figure read from the analysis on screen (not from an experiment's results). */
function analysisFigure(f: Figure | ExperimentFigure | undefined): Figure {
  if (!f || 'from' in f) throw new Error('not a figure of the analysis');
  return f;
}

const steps = LESSONS.flatMap((lesson) => lesson.steps.map((step, i) => [lesson.id, i, lesson, step] as const));

describe('the lessons', () => {
  it('are at least the five of the issue, each with 3 to 6 steps and a unique id', () => {
    expect(LESSONS.map((l) => l.id)).toEqual(expect.arrayContaining(['positions', 'latency', 'entropy-collapse', 'norm-placement', 'implicit-attention']));
    expect(new Set(LESSONS.map((l) => l.id)).size).toBe(LESSONS.length);
    for (const l of LESSONS) {
      expect(l.steps.length, l.id).toBeGreaterThanOrEqual(3);
      expect(l.steps.length, l.id).toBeLessThanOrEqual(6);
      expect(l.title && l.summary, l.id).toBeTruthy();
      // The first step sets everything, so a lesson never starts from whatever was on screen.
      expect(l.steps[0]!.spec && l.steps[0]!.text !== undefined && l.steps[0]!.view, l.id).toBeTruthy();
      expect(findLesson(l.id)).toBe(l);
    }
  });

  it.each(steps)('%s step %i: its model validates, compiles at the text length, and its view and focus exist', (_id, i, lesson, step) => {
    expect(step.title.length).toBeGreaterThan(0);
    expect(step.body.split('. ').length, 'a few sentences').toBeGreaterThanOrEqual(2);
    expect(FOCUS_KEYS).toContain(step.focus);
    if (typeof step.spec === 'string') expect(findPreset(step.spec), step.spec).toBeDefined();
    const r = resolveStep(lesson, i);
    const valid = validateSpec(r.spec);
    expect(valid.ok ? [] : valid.errors).toEqual([]);
    const T = tokenize(r.text, r.spec.maxLen).ids.length;
    expect(T).toBeGreaterThan(0);
    expect(() => compile(r.spec, { T, mode: 'inspect' })).not.toThrow();
    expect(() => compile(r.spec, { T, mode: 'fast' })).not.toThrow();
    expect(r.view.layer).toBeLessThan(layerSchedule(r.spec).length);
    expect(r.view.head).toBeLessThan(r.spec.nHeads);
  });

  it('inherits the model, text and view of earlier steps, and names the preset it loads', () => {
    const positions = findLesson('positions')!;
    const last = resolveStep(positions, positions.steps.length - 1);
    expect(last.presetId).toBe('alibi');
    expect(last.view).toEqual({ layer: 0, head: 3 });
    expect(last.text).toBe(positions.steps[0]!.text);
    expect(resolveStep(positions, 0).presetId).toBeNull();
    // Out-of-range steps are clamped, not refused: links are checked elsewhere.
    expect(resolveStep(positions, 99)).toEqual(last);
    const bare: Lesson = { id: 'x', title: 'x', summary: 'x', steps: [{ title: 't', body: 'b. c.', focus: 'entropy' }] };
    expect(resolveStep(bare, 0)).toMatchObject({ presetId: 'default', text: DEFAULT_TEXT, view: { layer: 0, head: 0 } });
  });

  it('hide keys are the classroom parts agreed with the share link', () => {
    expect([...HIDE_KEYS]).toEqual(['palette', 'settings', 'stack', 'inspector', 'stats', 'text', 'presets', 'latency', 'views', 'export', 'train', 'experiments']);
  });
});

/** Runs the model of a lesson step and returns the result and the full maps. */
async function runStep(lessonId: string, index: number, text?: string): Promise<{ result: AnalysisResult; held: HeldMaps; spec: Spec }> {
  const r = resolveStep(findLesson(lessonId)!, index);
  const tokens = tokenize(text ?? r.text, r.spec.maxLen).ids;
  const out = await analyse(await nodeSessions(), { id: 1, spec: r.spec, tokens });
  return { ...out, spec: r.spec };
}

/** Mean over heads and rows (from the second) of the entropy as a fraction of the uniform maximum, per layer run. */
function entropyFraction(r: AnalysisResult): number[] {
  const { T, nHeads: H } = r;
  return r.entropy.map((e, layer) => {
    let sum = 0;
    let n = 0;
    for (let h = 0; h < H; h++)
      for (let i = 1; i < T; i++) {
        const keys = r.support[layer]![h * T + i]!;
        if (keys > 1) {
          sum += e[h * T + i]! / Math.log(keys);
          n++;
        }
      }
    return sum / n;
  });
}

/** Mean RMS of the residual stream over the tokens, after the embedding and after each layer run. */
function residual(r: AnalysisResult): number[] {
  return Array.from({ length: r.nLayers + 1 }, (_, l) => r.residRms.subarray(l * r.T, (l + 1) * r.T).reduce((a, b) => a + b, 0) / r.T);
}

const cell = (held: HeldMaps, layer: number, h: number, i: number, j: number) => held.maps[layer]![(h * held.T + i) * held.T + j]!;

describe('what the step texts say', () => {
  it('positions: NoPE gives copies of a character equal weight; RoPE and ALiBi depend only on distance; ALiBi head 0 is local', async () => {
    const nope = (await runStep('positions', 0)).held;
    const T = nope.T;
    for (let i = 4; i < T; i++) for (let j = 0; j + 4 <= i; j++) expect(cell(nope, 0, 0, i, j)).toBeCloseTo(cell(nope, 0, 0, i, j + 4), 6);
    for (const index of [3, 4]) {
      const { held } = await runStep('positions', index);
      // Ratios within a row are exp(score differences): shifting query and keys by the period keeps them.
      for (let i = 4; i + 4 < T; i++) for (let j = 1; j <= i; j++) expect(cell(held, 0, 0, i + 4, j + 4) / cell(held, 0, 0, i + 4, 4)).toBeCloseTo(cell(held, 0, 0, i, j) / cell(held, 0, 0, i, 0), 3);
    }
    const alibi = (await runStep('positions', 4)).held;
    const recent = (h: number) => {
      let s = 0;
      for (let i = 8; i < T; i++) for (let j = i - 3; j <= i; j++) s += cell(alibi, 0, h, i, j);
      return s / (T - 8);
    };
    expect(recent(0)).toBeGreaterThan(0.6);
    expect(recent(3)).toBeLessThan(0.3);
    for (let i = 0; i < T; i++) for (let j = 0; j <= i; j++) expect(Math.abs(cell(alibi, 0, 3, i, j) - cell(nope, 0, 3, i, j))).toBeLessThan(0.01);
  });

  it('entropy collapse: spread out, nearly uniform with γ = 1, sharper with γ = 4, collapsed at γ = 8, spread again without norms', async () => {
    // The figure the text quotes, by the function the page fills it with; checked against the pooled mean of every row's fraction.
    const at = async (i: number) => {
      const { result } = await runStep('entropy-collapse', i);
      const figure = analysisFigure(findLesson('entropy-collapse')!.steps[i]!.figures!['entropy']).of(result);
      const pooled = entropyFraction(result).reduce((a, b) => a + b, 0) / result.nLayers;
      expect(Math.abs(figure - pooled), `step ${i}: per-head mean against pooled rows`).toBeLessThan(0.02);
      return figure;
    };
    const [spread, sigma1, sigma4, sigma8, noNorm] = [await at(0), await at(1), await at(2), await at(3), await at(4)];
    expect(sigma1).toBeGreaterThan(spread); // "rises"
    expect(sigma1).toBeGreaterThan(0.95); // "nearly uniform"
    expect(sigma4).toBeLessThan(sigma1); // "drops"
    expect(sigma8).toBeLessThan(sigma4); // "falls"
    expect(sigma8).toBeLessThan(0.15); // "nearly every row is a single bright cell"
    expect(noNorm).toBeGreaterThan(spread); // σReparam keeps it from collapsing without any norm
  });

  it('norm placement: Post-LN stays at 1, Pre-LN grows, about twice with larger weights, Peri-LN does not care', async () => {
    const stream = async (i: number) => {
      const { result } = await runStep('norm-placement', i);
      const figures = findLesson('norm-placement')!.steps[i]!.figures;
      const rms = residual(result);
      if (figures) {
        if (figures['embedding']) expect(analysisFigure(figures['embedding']).of(result)).toBeCloseTo(rms[0]!, 5);
        expect(analysisFigure(figures['last']).of(result)).toBeCloseTo(rms.at(-1)!, 5);
      }
      return rms;
    };
    for (const v of (await stream(0)).slice(1)) expect(v).toBeCloseTo(1, 2);
    const pre = await stream(1);
    expect(pre.at(-1)!).toBeGreaterThan(pre[0]! * 1.3); // "grows with depth"
    const preBig = (await stream(2)).at(-1)!;
    const peri = (await stream(3)).at(-1)!;
    const periBig = (await stream(4)).at(-1)!;
    expect(preBig / pre.at(-1)!).toBeGreaterThan(1.7); // "about twice as much"
    expect(preBig / pre.at(-1)!).toBeLessThan(2.3);
    expect(peri).toBeGreaterThan(pre.at(-1)!); // "a bit more than Pre-LN"
    expect(Math.abs(periBig / peri - 1)).toBeLessThan(0.1); // "almost unchanged"
  });

  it('every {figure} in a step text has a figure, and every figure is quoted', () => {
    for (const lesson of LESSONS)
      lesson.steps.forEach((step, i) => {
        const quoted = [...step.body.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
        expect(quoted, `${lesson.id} step ${i + 1}`).toEqual(Object.keys(step.figures ?? {}).sort());
      });
  });

  it('implicit attention: linear attention is flatter than softmax, Mamba sharper, pooling the same for every text', async () => {
    const soft = entropyFraction((await runStep('implicit-attention', 0)).result);
    const linear = entropyFraction((await runStep('implicit-attention', 1)).result);
    expect(Math.min(...linear)).toBeGreaterThan(Math.max(...soft));
    // Retention: the faster a head decays, the more of its |weight| stays within 8 tokens of the diagonal.
    const retention = (await runStep('implicit-attention', 2)).held;
    const near = (h: number) => {
      let inside = 0;
      let all = 0;
      for (let i = 0; i < retention.T; i++)
        for (let j = 0; j <= i; j++) {
          const w = Math.abs(cell(retention, 0, h, i, j));
          all += w;
          if (i - j < 8) inside += w;
        }
      return inside / all;
    };
    expect(near(0)).toBeGreaterThan(near(3));
    const mamba = (await runStep('implicit-attention', 3)).result;
    const { T, nHeads: H } = mamba;
    const perHead = mamba.entropy.flatMap((e, layer) => Array.from({ length: H }, (_, h) => {
      let s = 0;
      for (let i = 1; i < T; i++) s += e[h * T + i]! / Math.log(mamba.support[layer]![h * T + i]!);
      return s / (T - 1);
    }));
    const below = analysisFigure(findLesson('implicit-attention')!.steps[3]!.figures!['below']).of(mamba);
    expect(below).toBe(perHead.filter((f) => f < 0.6).length); // the count the text quotes
    expect(below).toBeGreaterThanOrEqual(1);
    expect(analysisFigure(findLesson('implicit-attention')!.steps[3]!.figures!['heads']).of(mamba)).toBe(perHead.length);
    const a = (await runStep('implicit-attention', 4)).held;
    const b = (await runStep('implicit-attention', 4, [...DEFAULT_TEXT].reverse().join(''))).held;
    expect(b.T).toBe(a.T);
    expect(Array.from(b.maps[0]!)).toEqual(Array.from(a.maps[0]!));
  });
});
