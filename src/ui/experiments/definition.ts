/**
 * What the experiment editor checks as a person types, apart from React: comma lists of seeds and
 * of sweep values (each checked against what its path takes), the paths worth sweeping, a measure's
 * parameters, and the edits that build a new definition from the old one. Every check answers with
 * a sentence; the editor applies a definition only when all of its fields are good, so a bad value
 * never replaces what the person had. Pure functions, unit-tested in test/ui/experiments.test.ts.
 */
import type { Experiment, Measure, Variant } from '../../spec/experiment';
import { HEAD_STATS } from '../../spec/experiment';
import { EXPERIMENT_LIMITS } from '../../spec/experimentSchema';
import { LIMITS } from '../../spec/schema';
import type { Recipe } from '../../spec/recipe';
import { findPreset } from '../../presets';
import { FIELD_LIMITS } from '../train/recipeChecks';

/** How many of each an experiment may hold (the schema's limits, checked here as typed). */
export const EDITOR_LIMITS = EXPERIMENT_LIMITS;

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What a swept path takes: whole numbers in a range, numbers in a range, true/false, one of some words, or anything (a free path). */
export type ValueKind =
  | { type: 'int'; min: number; max: number }
  | { type: 'number'; min: number; max: number }
  | { type: 'boolean' }
  | { type: 'enum'; options: readonly string[] }
  | { type: 'any' };

export interface SweepPath {
  path: string;
  label: string;
  kind: ValueKind;
}

/** The paths the editor offers to sweep, with what each takes. Any other path can be typed as a free path. */
export const SWEEP_PATHS: readonly SweepPath[] = [
  { path: 'dModel', label: 'd_model (width)', kind: { type: 'int', ...LIMITS.dModel } },
  { path: 'nHeads', label: 'heads per layer', kind: { type: 'int', ...LIMITS.nHeads } },
  { path: 'sigmaReparam.enabled', label: 'σReparam on or off', kind: { type: 'boolean' } },
  { path: 'sigmaReparam.gamma', label: 'σReparam γ', kind: { type: 'number', ...LIMITS.sigmaGamma } },
  { path: 'layers.*.placement', label: 'norm placement (every layer)', kind: { type: 'enum', options: ['pre', 'post', 'peri'] } },
  { path: 'recipe.lr', label: 'learning rate', kind: { type: 'number', ...FIELD_LIMITS.lr } },
  { path: 'recipe.steps', label: 'training steps', kind: { type: 'int', ...FIELD_LIMITS.steps } },
  { path: 'recipe.batch', label: 'batch size', kind: { type: 'int', ...FIELD_LIMITS.batch } },
  { path: 'recipe.T', label: 'sequence length T', kind: { type: 'int', min: 1, max: LIMITS.maxLen.max } },
  { path: 'recipe.warmup', label: 'warm-up steps', kind: { type: 'int', min: 0, max: FIELD_LIMITS.steps.max } },
];

/** What `path` takes: the listed path's kind, else anything (the runner checks the spec it makes). */
export const kindOf = (path: string): ValueKind => SWEEP_PATHS.find((p) => p.path === path)?.kind ?? { type: 'any' };

/** The items of a comma (or space) separated list, trimmed, empties dropped. */
export const listItems = (text: string): string[] =>
  text
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** One typed value as `kind` takes it, or why not ("0.5" → 0.5; "true" → true; words stay words on a free path). */
export function parseValue(raw: string, kind: ValueKind, name: string): Parsed<number | string | boolean> {
  switch (kind.type) {
    case 'int':
    case 'number': {
      const v = Number(raw);
      if (!Number.isFinite(v)) return { ok: false, reason: `${name}: "${raw}" is not a number` };
      if (kind.type === 'int' && !Number.isInteger(v)) return { ok: false, reason: `${name}: ${raw} is not a whole number` };
      if (v < kind.min || v > kind.max) return { ok: false, reason: `${name}: ${raw} is outside ${kind.min} to ${kind.max}` };
      return { ok: true, value: v };
    }
    case 'boolean':
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
      return { ok: false, reason: `${name}: "${raw}" must be true or false` };
    case 'enum':
      if (kind.options.includes(raw)) return { ok: true, value: raw };
      return { ok: false, reason: `${name}: "${raw}" must be one of ${kind.options.join(', ')}` };
    case 'any': {
      if (raw === 'true' || raw === 'false') return { ok: true, value: raw === 'true' };
      const v = Number(raw);
      return { ok: true, value: Number.isFinite(v) ? v : raw };
    }
  }
}

/** A comma list of values for `path`: each checked, no repeats, 1 to `most` of them. */
export function parseValues(text: string, kind: ValueKind, name: string, most: number): Parsed<(number | string | boolean)[]> {
  const items = listItems(text);
  if (items.length === 0) return { ok: false, reason: `${name}: type at least one value, separated by commas` };
  if (items.length > most) return { ok: false, reason: `${name}: at most ${most} values, got ${items.length}` };
  const values: (number | string | boolean)[] = [];
  for (const item of items) {
    const v = parseValue(item, kind, name);
    if (!v.ok) return v;
    if (values.includes(v.value)) return { ok: false, reason: `${name}: ${item} is there twice` };
    values.push(v.value);
  }
  return { ok: true, value: values };
}

/** The sweep values typed for `path`. */
export const parseSweepValues = (text: string, path: string): Parsed<(number | string | boolean)[]> =>
  parseValues(text, kindOf(path), 'Sweep values', EDITOR_LIMITS.sweepValues);

/** Seeds: whole numbers from 0 to 2³¹ − 1, each once, at most EDITOR_LIMITS.seeds. */
export function parseSeeds(text: string): Parsed<number[]> {
  const r = parseValues(text, { type: 'int', ...FIELD_LIMITS.seed }, 'Seeds', EDITOR_LIMITS.seeds);
  return r.ok ? { ok: true, value: r.value as number[] } : r;
}

/** A sweep path: one of the listed ones, or a free path of names and '*' joined by dots. */
export function checkPath(path: string): Parsed<string> {
  const p = path.trim();
  if (p === '') return { ok: false, reason: 'Sweep path: type a path such as dModel or recipe.lr' };
  if (!/^[A-Za-z_][\w]*(\.([A-Za-z_]\w*|\d+|\*))*$/.test(p)) return { ok: false, reason: `Sweep path: "${p}" is not a path of names joined by dots (layers.*.mixer.params.kvHeads)` };
  if (p === 'seed' || p === 'recipe.seed') return { ok: false, reason: 'Sweep path: the seeds are set below, not swept' };
  return { ok: true, value: p };
}

/** Runs the definition makes: variants × sweep values × seeds. */
export const runCount = (e: Pick<Experiment, 'variants' | 'sweep' | 'seeds'>): number => e.variants.length * (e.sweep ? Math.max(1, e.sweep.values.length) : 1) * e.seeds.length;

/** Why the definition's size is refused (too many runs, no variant, no measure), or null. */
export function sizeProblem(e: Experiment): string | null {
  if (e.variants.length === 0) return 'The experiment needs at least one variant: add a preset or model A.';
  if (e.variants.length > EDITOR_LIMITS.variants) return `At most ${EDITOR_LIMITS.variants} variants, got ${e.variants.length}.`;
  if (e.measures.length === 0) return 'The experiment needs at least one measure: tick one.';
  if (e.measures.length > EDITOR_LIMITS.measures) return `At most ${EDITOR_LIMITS.measures} measures, got ${e.measures.length}.`;
  const runs = runCount(e);
  if (runs > EDITOR_LIMITS.runs) return `That makes ${runs} runs; at most ${EDITOR_LIMITS.runs}: fewer variants, sweep values or seeds.`;
  return null;
}

/** A variant's label without repeating one already there ("Pre-LN", "Pre-LN 2"). */
export function freshLabel(base: string, taken: readonly string[]): string {
  if (!taken.includes(base)) return base;
  for (let k = 2; ; k++) if (!taken.includes(`${base} ${k}`)) return `${base} ${k}`;
}

/** What a variant's model is, in words: the preset's title, or "model A as it was" with the spec's name. */
export function modelWords(v: Variant): string {
  if (typeof v.model === 'string') return findPreset(v.model)?.title ?? `unknown preset "${v.model}"`;
  return `a snapshot of a model: ${v.model.name}`;
}

/** Why a variant label is refused, or null. */
export function labelProblem(label: string, others: readonly string[]): string | null {
  const l = label.trim();
  if (l === '') return 'Label: a variant needs a name for the table';
  if (l.length > 60) return 'Label: at most 60 characters';
  if (others.includes(l)) return `Label: another variant is already called "${l}"`;
  return null;
}

/** The simple measures (no parameters), in the order the editor lists their checkboxes. */
export const PLAIN_MEASURES = ['accuracy', 'loss', 'trainLoss', 'lossSpike', 'diverged'] as const;
export type PlainKind = (typeof PLAIN_MEASURES)[number];
export type ParamKind = Exclude<Measure['kind'], PlainKind>;

/** A measure of `kind` with the editor's first parameters (the recipe's T for accuracyAt: 2× it). */
export function newMeasure(kind: Measure['kind'], recipe: Pick<Recipe, 'T'>): Measure {
  switch (kind) {
    case 'stepsTo':
      return { kind, accuracy: 0.9 };
    case 'accuracyAt':
      return { kind, T: recipe.T * 2 };
    case 'head':
      return { kind, stat: 'previousToken', layer: 0 };
    case 'residual':
      return { kind, after: -1 };
    default:
      return { kind };
  }
}

/** The definition with measure `kind` ticked on (added at the end) or off (every one of that kind removed). */
export function togglePlain(e: Experiment, kind: PlainKind, on: boolean): Experiment {
  const without = e.measures.filter((m) => m.kind !== kind);
  return { ...e, measures: on ? [...without, { kind }] : without };
}

/** A whole number from `min` to `max`, typed. */
export function parseWhole(raw: string, name: string, min: number, max: number): Parsed<number> {
  const r = parseValue(raw.trim(), { type: 'int', min, max }, name);
  return r.ok ? { ok: true, value: r.value as number } : r;
}

/** Task parameters as a JSON object ('' means none: the recipe's), or why not. */
export function parseTaskParams(raw: string): Parsed<Record<string, unknown> | undefined> {
  if (raw.trim() === '') return { ok: true, value: undefined };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return { ok: false, reason: 'Task parameters: not JSON; write an object such as {"minLen": 8, "maxLen": 16}' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, reason: 'Task parameters: must be an object such as {"minLen": 8, "maxLen": 16}' };
  return { ok: true, value: v as Record<string, unknown> };
}

/** The head statistics a head measure can read, in words. */
export const HEAD_STAT_WORDS: Record<(typeof HEAD_STATS)[number], string> = {
  previousToken: 'previous-token score',
  induction: 'induction score',
  sink: 'first-token (sink) mass',
  distance: 'mean attention distance',
  entropy: 'entropy (share of uniform)',
};

/** The recipe in one line: "copy, T 16, batch 32, 300 steps, lr 0.003 (warm-up 30), held-out every 50". */
export function recipeLine(r: Recipe): string {
  const params = Object.keys(r.taskParams).length ? ` ${JSON.stringify(r.taskParams)}` : '';
  return `${r.task}${params}, T ${r.T}, batch ${r.batch}, ${r.steps.toLocaleString('en-US')} steps, lr ${r.lr} (warm-up ${r.warmup}, down to ${r.minLrRatio} of it), held-out every ${r.evalEvery}`;
}
