/**
 * An experiment definition read from a link, a file or the panel's editor: its shape and ranges by
 * schema, each variant's spec by the spec's own validation (migrated from older formats), each
 * recipe by the link's recipe reader; what passes comes back as it was given. Every refusal is one line that names the field
 * ("variants.1.recipe.lr: …"); nothing here throws. Whether a preset id or a task kind exists, and
 * whether a model can give a measure (a length within its maxLen, a layer it has), is checked by
 * the runner (src/train/experiment.ts planRuns), which knows the presets and the tasks.
 */
import { z } from 'zod';
import { HEAD_STATS, type Experiment, type Measure, type Variant } from './experiment';
import type { Recipe } from './recipe';
import { LIMITS, parseSpec } from './schema';
import { readRecipe } from './share';
import { VOCAB_SIZE } from './vocab';

/** How large an experiment may be: it runs in the page, one training after another. */
export const EXPERIMENT_LIMITS = { variants: 12, sweepValues: 12, seeds: 10, runs: 60, measures: 12 } as const;

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const text = (max: number) => z.string({ error: 'must be a string' }).max(max, { error: `must be at most ${max} characters` });
const whole = (min: number, max: number) => {
  const error = (iss: { input?: unknown }) => `must be a whole number from ${min} to ${max}, got ${show(iss.input)}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};
const list = <T extends z.ZodType>(item: T, what: string, max: number) =>
  z.array(item, { error: 'must be a list' }).min(1, { error: `must list at least one ${what}` }).max(max, { error: `must list at most ${max} ${what}s` });
const param = z.union([z.number(), z.string().max(1000), z.boolean()], { error: 'must be a number, a string or true/false' });

const DEPTH = LIMITS.depth.max;
const measureSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('accuracy') }),
    z.strictObject({ kind: z.literal('loss') }),
    z.strictObject({ kind: z.literal('trainLoss') }),
    z.strictObject({ kind: z.literal('lossSpike') }),
    z.strictObject({ kind: z.literal('diverged') }),
    z.strictObject({ kind: z.literal('stepsTo'), accuracy: z.number({ error: 'must be a number from 0 to 1' }).min(0, { error: 'must be from 0 to 1' }).max(1, { error: 'must be from 0 to 1' }) }),
    z.strictObject({ kind: z.literal('accuracyAt'), T: whole(1, LIMITS.maxLen.max), taskParams: z.record(z.string().max(64), param, { error: 'must be an object of parameters' }).optional() }),
    z.strictObject({
      kind: z.literal('head'),
      stat: z.enum(HEAD_STATS, { error: (iss) => `must be one of ${HEAD_STATS.join(', ')}, got ${show(iss.input)}` }),
      layer: whole(0, DEPTH - 1),
      head: whole(0, LIMITS.nHeads.max - 1).optional(),
    }),
    z.strictObject({ kind: z.literal('residual'), after: whole(-(DEPTH + 1), DEPTH) }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? 'must be one of accuracy, loss, trainLoss, lossSpike, diverged, stepsTo, accuracyAt, head, residual' : 'must be an object with a kind') },
);

const experimentSchema = z.strictObject({
  title: text(200).min(1, { error: 'must not be empty' }),
  question: text(2000).optional(),
  variants: list(
    z.strictObject({
      label: text(100).min(1, { error: 'must not be empty' }),
      model: z.union([text(64).min(1, { error: 'must name a preset' }), z.record(z.string(), z.unknown())], { error: 'must be a preset id or a spec object' }),
      recipe: z.record(z.string(), z.unknown(), { error: 'must be an object of recipe fields' }).optional(),
    }),
    'variant',
    EXPERIMENT_LIMITS.variants,
  ),
  sweep: z
    .strictObject({
      path: text(200).min(1, { error: 'must name a field, e.g. "dModel" or "recipe.lr"' }),
      values: list(z.union([z.number().refine(Number.isFinite, { error: 'must be a finite number' }), text(200), z.boolean()], { error: 'must be a number, a string or true/false' }), 'value', EXPERIMENT_LIMITS.sweepValues),
    })
    .optional(),
  recipe: z.unknown(),
  seeds: list(whole(0, LIMITS.seed.max), 'seed', EXPERIMENT_LIMITS.seeds).refine((s) => new Set(s).size === s.length, { error: 'must not repeat a seed' }),
  measures: list(measureSchema, 'measure', EXPERIMENT_LIMITS.measures),
  probe: z.array(whole(0, VOCAB_SIZE - 1), { error: 'must be a list of token ids' }).min(1, { error: 'must hold at least one token' }).max(LIMITS.maxLen.max, { error: `must hold at most ${LIMITS.maxLen.max} tokens` }).optional(),
});

/** `raw` as an experiment definition, or every reason it is refused, one line each naming the field. */
export function readExperiment(raw: unknown): { ok: true; experiment: Experiment } | { ok: false; errors: string[] } {
  try {
    return check(raw);
  } catch (e) {
    return { ok: false, errors: [`experiment: ${e instanceof Error ? e.message : String(e)}`] };
  }
}

function check(raw: unknown): { ok: true; experiment: Experiment } | { ok: false; errors: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, errors: ['experiment: must be an object with title, variants, recipe, seeds and measures'] };
  const parsed = experimentSchema.safeParse(raw);
  const at = (path: PropertyKey[]) => path.map(String).join('.') || 'experiment';
  if (!parsed.success) return { ok: false, errors: parsed.error.issues.map((i) => `${at(i.path)}: ${i.message}`) };
  const d = parsed.data;
  const errors: string[] = [];

  const recipe = readRecipe(d.recipe, 'recipe');
  if (!recipe.ok) errors.push(...recipe.errors);

  const variants: Variant[] = d.variants.map((v, i) => {
    // A valid spec is kept as given (the runner migrates and normalises it): the definition, and
    // so the key its kept results are found by, stays the same through a link or a file.
    if (typeof v.model !== 'string') {
      const r = parseSpec(v.model);
      if (!r.ok) errors.push(...r.errors.map((e) => `variants.${i}.model: ${e}`));
    }
    const out: Variant = { label: v.label, model: v.model as Variant['model'] };
    if (v.recipe) {
      if ('seed' in v.recipe) errors.push(`variants.${i}.recipe.seed: a variant takes the experiment's seeds; leave seed out`);
      else if (recipe.ok) {
        const merged = readRecipe({ ...recipe.recipe, ...v.recipe }, `variants.${i}.recipe`);
        if (merged.ok) out.recipe = v.recipe as Partial<Omit<Recipe, 'seed'>>;
        else errors.push(...merged.errors);
      }
    }
    return out;
  });

  const runs = d.variants.length * (d.sweep?.values.length ?? 1) * d.seeds.length;
  if (runs > EXPERIMENT_LIMITS.runs) errors.push(`seeds: variants × sweep values × seeds make ${runs} runs; at most ${EXPERIMENT_LIMITS.runs} are allowed`);
  if (errors.length || !recipe.ok) return { ok: false, errors };

  const experiment: Experiment = {
    title: d.title,
    ...(d.question !== undefined ? { question: d.question } : {}),
    variants,
    ...(d.sweep ? { sweep: d.sweep } : {}),
    recipe: recipe.recipe,
    seeds: d.seeds,
    measures: d.measures as Measure[],
    ...(d.probe ? { probe: d.probe } : {}),
  };
  return { ok: true, experiment };
}
