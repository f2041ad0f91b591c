/**
 * The experiment runner: an Experiment (src/spec/experiment.ts) expanded into its runs, each run a
 * training by train() (run.ts: the same batches and learning rates as `npm run train` and the
 * page's Train button), then the measures taken on the trained model; and the summary of the runs
 * over their seeds (mean, spread) the results table and the lessons' figures read.
 *
 * Runs go one after another; the whole experiment reports one progress fraction (steps taken over
 * all the runs' steps). Measures (src/spec/experiment.ts Measure gives the meaning):
 *   accuracy, loss   the last held-out evaluation (the recipe's evalEvery and the last step)
 *   trainLoss        mean training loss over the last ⌈n / 10⌉ of the n steps taken
 *   lossSpike        max over steps t after warm-up of loss_t − min over s < t of loss_s, at least 0
 *   diverged         1 when a step's loss was not a number, else 0
 *   stepsTo          the first evaluation step whose held-out accuracy ≥ the threshold
 *   accuracyAt       held-out accuracy of the trained weights at another length (evaluate.ts evaluateAt)
 *   head, residual   statistics of the probe example's maps and residual stream (probe.ts)
 * accuracy, loss, head and residual are also taken at every evaluation (the run's `track`).
 */
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentRun, Measure, MeasureSummary, RunStatus, SummaryRow } from '../spec/experiment';
import type { Recipe } from '../spec/recipe';
import { parseSpec, validateSpec } from '../spec/schema';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';
import { findPreset } from '../presets';
import { evaluateAt } from './evaluate';
import { headMeasure, makeProbe, residualMeasure, type Probe, type ProbeResult } from './probe';
import { heldOutBatches, train, type Evaluation } from './run';
import { findTask, TASKS } from './tasks/registry';
import type { OrtLike, StepReport, Trainer, TrainerOptions } from './trainer';

/** A definition the runner cannot run: the message is one sentence saying what and where. */
export class ExperimentError extends Error {
  override readonly name = 'ExperimentError';
}

/** One training of an experiment, as planned: indexes, seed, label, and the spec and recipe it trains. */
export interface PlannedRun {
  variant: number;
  sweep: number | null;
  seed: number;
  label: string;
  spec: Spec;
  recipe: Recipe;
}

/** The label of a (variant, sweep value): the variant's, with the swept field's last name and value ("Mamba-2, dModel = 64"). */
export function runLabel(exp: Experiment, variant: number, sweep: number | null): string {
  const base = exp.variants[variant]?.label ?? `variant ${variant + 1}`;
  if (sweep === null || !exp.sweep) return base;
  const name = exp.sweep.path.split('.').filter((s) => s !== '*').pop() ?? exp.sweep.path;
  return `${base}, ${name} = ${String(exp.sweep.values[sweep])}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `target` with the field at `segments` set to `value`, copied along the way (the input is never
 * changed). '*' stands for every element of an array; a number for one element. A missing field is
 * refused except as the last name under a `params` or `taskParams` object (block and task
 * parameters left at their defaults are absent); a value of another type than the field's is refused.
 */
function setAt(target: unknown, segments: readonly string[], value: unknown, path: string, at: string[]): unknown {
  const [key, ...rest] = segments;
  const where = at.length ? at.join('.') : 'the top level';
  if (key === undefined) {
    if (target !== undefined && target !== null && typeof target !== typeof value) {
      throw new ExperimentError(`path "${path}": ${where} holds ${typeof target === 'object' ? 'an object' : `a ${typeof target}`}, not a ${typeof value} like ${JSON.stringify(value)}`);
    }
    return value;
  }
  if (Array.isArray(target)) {
    if (key === '*') return target.map((el, i) => setAt(el, rest, value, path, [...at, String(i)]));
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= target.length) throw new ExperimentError(`path "${path}": ${where} is a list of ${target.length}; "${key}" is not one of its indexes (0 to ${target.length - 1}, or * for all)`);
    return target.map((el, j) => (j === i ? setAt(el, rest, value, path, [...at, key]) : el));
  }
  if (!isObject(target)) throw new ExperimentError(`path "${path}": ${where} is a ${typeof target}, which has no field "${key}"`);
  if (key === '*') throw new ExperimentError(`path "${path}": * stands for every element of a list, but ${where} is not a list`);
  const parent = at[at.length - 1];
  const mayAdd = rest.length === 0 && (parent === 'params' || parent === 'taskParams');
  if (!(key in target) && !mayAdd) {
    throw new ExperimentError(`path "${path}": ${where} has no field "${key}" (it has ${Object.keys(target).join(', ') || 'none'})`);
  }
  return { ...target, [key]: setAt(target[key], rest, value, path, [...at, key]) };
}

/**
 * `spec` and `recipe` with the field at `path` set to `value`: a spec path (`dModel`,
 * `sigmaReparam.gamma`, `layers.*.mixer.params.kvHeads`), or `recipe.<field>` for the recipe
 * (`recipe.lr`, `recipe.taskParams.maxLen`). Throws ExperimentError, one sentence, for a bad path.
 */
export function applyPath(spec: Spec, recipe: Recipe, path: string, value: unknown): { spec: Spec; recipe: Recipe } {
  const segments = path.split('.');
  if (!path || segments.some((s) => s === '')) throw new ExperimentError(`path "${path}": names are separated by single dots, e.g. "dModel" or "recipe.lr"`);
  if (segments[0] === 'recipe') {
    if (segments.length < 2) throw new ExperimentError(`path "${path}": name a field of the recipe, e.g. "recipe.lr"`);
    if (segments[1] === 'seed') throw new ExperimentError(`path "${path}": the seeds are the experiment's "seeds", not a swept field`);
    return { spec, recipe: setAt(recipe, segments.slice(1), value, path, []) as Recipe };
  }
  return { spec: setAt(spec, segments, value, path, []) as Spec, recipe };
}

/** The variant's model as a spec: its preset's, or its own (migrated and checked). */
function variantSpec(exp: Experiment, v: number): Spec {
  const variant = exp.variants[v]!;
  if (typeof variant.model === 'string') {
    const preset = findPreset(variant.model);
    if (!preset) throw new ExperimentError(`variant "${variant.label}": no preset "${variant.model}"`);
    return preset.spec();
  }
  const r = parseSpec(variant.model);
  if (!r.ok) throw new ExperimentError(`variant "${variant.label}": its model is not a valid spec: ${r.errors[0]}`);
  return r.spec;
}

/** What is wrong with running `spec` by `recipe` and taking `measures`, as a sentence, or null. */
function problemOf(spec: Spec, r: Recipe, measures: readonly Measure[], probe: readonly number[] | undefined): string | null {
  const task = findTask(r.task);
  if (!task) return `no task "${r.task}" (known: ${TASKS.map((t) => t.kind).join(', ')})`;
  const bad = task.check(r.taskParams, r.T, r.text);
  if (bad) return bad;
  if (r.T > spec.maxLen) return `the recipe's T = ${r.T} is more than the model's maxLen (${spec.maxLen})`;
  if (!Number.isInteger(r.steps) || r.steps < 1) return `steps must be a whole number of at least 1, got ${r.steps}`;
  if (!Number.isInteger(r.batch) || r.batch < 1) return `batch must be a whole number of at least 1, got ${r.batch}`;
  if (!Number.isInteger(r.evalEvery) || r.evalEvery < 1) return `evalEvery must be a whole number of at least 1, got ${r.evalEvery}`;
  if (!(r.lr >= 0) || !Number.isFinite(r.lr)) return `lr must be a number of at least 0, got ${r.lr}`;
  const runs = layerSchedule(spec).length;
  for (const m of measures) {
    if (m.kind === 'accuracyAt') {
      if (m.T > spec.maxLen) return `accuracyAt T = ${m.T} needs a model with maxLen ≥ ${m.T}; this one has ${spec.maxLen}`;
      const badAt = task.check(m.taskParams ?? r.taskParams, m.T, r.text);
      if (badAt) return `accuracyAt T = ${m.T}: ${badAt}`;
    }
    if (m.kind === 'head') {
      if (!Number.isInteger(m.layer) || m.layer < 0 || m.layer >= runs) return `head measure: layer run ${m.layer} does not exist (the model has ${runs}, from 0)`;
      if (m.head !== undefined && (!Number.isInteger(m.head) || m.head < 0 || m.head >= spec.nHeads)) return `head measure: head ${m.head} does not exist (the model has ${spec.nHeads}, from 0)`;
    }
    if (m.kind === 'residual' && (!Number.isInteger(m.after) || m.after < -(runs + 1) || m.after > runs)) return `residual measure: after = ${m.after} is not a depth of this model (0 to ${runs}, or −1 for the last)`;
  }
  if (probe && probe.length > spec.maxLen) return `the probe's ${probe.length} tokens are more than the model's maxLen (${spec.maxLen})`;
  if (probe && probe.length < 1) return 'the probe has no tokens';
  return null;
}

/**
 * Every run of `exp` in order: variants × sweep values × seeds (seed loop innermost). Throws
 * ExperimentError (a clear sentence) for an unknown preset or task, a bad path, an invalid spec or
 * recipe, or a measure the model cannot give (a length over its maxLen, a layer it lacks).
 */
export function planRuns(exp: Experiment): PlannedRun[] {
  if (!exp.variants.length) throw new ExperimentError('the experiment has no variants: add at least one model to train');
  if (!exp.seeds.length) throw new ExperimentError('the experiment has no seeds: add at least one');
  const sweeps: (number | null)[] = exp.sweep ? exp.sweep.values.map((_, i) => i) : [null];
  if (exp.sweep && !exp.sweep.values.length) throw new ExperimentError(`the sweep over "${exp.sweep.path}" has no values`);
  const out: PlannedRun[] = [];
  exp.variants.forEach((variant, v) => {
    const base = variantSpec(exp, v);
    const baseRecipe: Recipe = { ...exp.recipe, ...variant.recipe };
    for (const s of sweeps) {
      const label = runLabel(exp, v, s);
      let { spec, recipe } = { spec: base, recipe: baseRecipe };
      if (s !== null) ({ spec, recipe } = applyPath(spec, recipe, exp.sweep!.path, exp.sweep!.values[s]));
      const checked = validateSpec(spec);
      if (!checked.ok) throw new ExperimentError(`${label}: the model is not valid: ${checked.errors[0]}`);
      const problem = problemOf(checked.spec, recipe, exp.measures, exp.probe);
      if (problem) throw new ExperimentError(`${label}: ${problem}`);
      for (const seed of exp.seeds) out.push({ variant: v, sweep: s, seed, label, spec: { ...checked.spec, seed }, recipe: { ...recipe, seed } });
    }
  });
  return out;
}

export interface ExperimentHooks {
  /** At least every 10 steps and after every run (with the run in `finished`). */
  onProgress?: (p: ExperimentProgress) => void;
  /** Asked before each step: true ends the run under way as 'stopped', and the experiment. */
  stop?: () => boolean;
  /** Awaited between steps (the worker passes its nextTask). */
  between?: () => Promise<void>;
  /** Execution providers of every session (default ['wasm']). */
  providers?: string[];
  /** Passed to every Trainer (e.g. { exclusive } in the worker). */
  trainer?: TrainerOptions;
  /** Runs already finished (kept results): those 'done' or 'diverged' are not run again but carried into the result. */
  done?: readonly ExperimentRun[];
}

/** Which measures are also taken at every evaluation. */
const TRACKED = new Set<Measure['kind']>(['accuracy', 'loss', 'head', 'residual']);

/** The probe's tokens of a run: the experiment's, or the first held-out example's T tokens. */
function probeTokens(exp: Experiment, r: Recipe): number[] {
  if (exp.probe) return [...exp.probe];
  const held = findTask(r.task)!.heldOut(r.taskParams, r.T, r.text);
  return Array.from(held.tokens.subarray(0, r.T));
}

/** Mean training loss over the last ⌈n / 10⌉ of the n steps taken; null before any step. */
export function trainLossOf(losses: readonly number[]): number | null {
  if (!losses.length) return null;
  const k = Math.max(1, Math.ceil(losses.length / 10));
  const tail = losses.slice(losses.length - k);
  return tail.reduce((s, v) => s + v, 0) / tail.length;
}

/**
 * The largest rise of the loss above its lowest value before it, over steps after warm-up:
 * max over t > warmup of loss_t − min_{s<t} loss_s (steps numbered from 1; non-finite losses
 * skipped), at least 0; null when no step after warm-up has one before it.
 */
export function lossSpikeOf(losses: readonly number[], warmup: number): number | null {
  let lowest = Infinity;
  let spike: number | null = null;
  losses.forEach((loss, i) => {
    if (!Number.isFinite(loss)) return;
    if (i + 1 > warmup && lowest < Infinity) spike = Math.max(spike ?? 0, loss - lowest);
    lowest = Math.min(lowest, loss);
  });
  return spike;
}

/** The tracked measures on a probe result and an evaluation (null for the others). */
function trackedValues(measures: readonly Measure[], e: Evaluation, probe: ProbeResult | null): (number | null)[] {
  return measures.map((m) => {
    switch (m.kind) {
      case 'accuracy':
        return e.accuracy;
      case 'loss':
        return e.loss;
      case 'head':
        return probe ? headMeasure(probe, m.stat, m.layer, m.head) : null;
      case 'residual':
        return probe ? residualMeasure(probe, m.after) : null;
      default:
        return null;
    }
  });
}

const finite = (v: number | null | undefined): number | null => (v === null || v === undefined || !Number.isFinite(v) ? null : v);

/** Trains one planned run and measures it. Never throws: a failure is a run with status 'failed'. */
async function runOne(ort: OrtLike, exp: Experiment, plan: PlannedRun, hooks: ExperimentHooks, report: (step: number) => void): Promise<ExperimentRun> {
  const t0 = performance.now();
  const providers = hooks.providers ?? ['wasm'];
  const r = plan.recipe;
  const losses: number[] = [];
  const evaluations: Evaluation[] = [];
  const track: ExperimentRun['track'] = [];
  const needsProbe = exp.measures.some((m) => m.kind === 'head' || m.kind === 'residual');
  const tracks = exp.measures.some((m) => TRACKED.has(m.kind));
  let probe: Probe | null = null;
  let pending: Evaluation | null = null;
  let stopped = false;
  const probeOn = async (state: ReadonlyMap<string, Float32Array>): Promise<ProbeResult | null> => {
    if (!needsProbe) return null;
    probe ??= await makeProbe(ort, plan.spec, probeTokens(exp, r), providers);
    return probe.run(state);
  };
  // Tracked measures of an evaluation are taken before the next step, on the weights it scored.
  const takeTracked = async (trainer: Trainer) => {
    const e = pending;
    pending = null;
    if (!e || !tracks) return;
    track.push({ step: e.step, values: trackedValues(exp.measures, e, await probeOn(await trainer.readState())) });
  };
  const base = { variant: plan.variant, sweep: plan.sweep, seed: plan.seed, label: plan.label };
  try {
    const result = await train(ort, plan.spec, r, {
      trainer: { providers, ...hooks.trainer },
      onStep: (s: StepReport) => {
        losses.push(s.loss);
        if (s.step % 10 === 0 || s.step === r.steps) report(s.step);
      },
      onEval: (e) => {
        evaluations.push(e);
        pending = e;
      },
      between: async (trainer) => {
        await takeTracked(trainer);
        await hooks.between?.();
      },
      stop: () => {
        stopped = hooks.stop?.() ?? false;
        return stopped;
      },
    });
    try {
      // The last evaluation has no step after it: its tracked measures are taken here.
      await takeTracked(result.trainer);
      const status: RunStatus = result.diverged ? 'diverged' : stopped ? 'stopped' : 'done';
      const last = evaluations[evaluations.length - 1];
      const state = status === 'stopped' ? null : await result.trainer.readState();
      const probed = state ? await probeOn(state) : null;
      const values: (number | null)[] = [];
      for (const m of exp.measures) values.push(finite(await measure(m)));
      return { ...base, status, ...(result.diverged ? { message: result.diverged.message } : {}), steps: losses.length, losses, evaluations, track, values, seconds: (performance.now() - t0) / 1000 };

      async function measure(m: Measure): Promise<number | null> {
        switch (m.kind) {
          case 'accuracy':
            return last?.accuracy ?? null;
          case 'loss':
            return last?.loss ?? null;
          case 'trainLoss':
            return trainLossOf(losses);
          case 'lossSpike':
            return lossSpikeOf(losses, r.warmup);
          case 'diverged':
            return result.diverged ? 1 : 0;
          case 'stepsTo':
            return evaluations.find((e) => e.accuracy >= m.accuracy)?.step ?? null;
          case 'accuracyAt': {
            if (!state) return null;
            const held = findTask(r.task)!.heldOut(m.taskParams ?? r.taskParams, m.T, r.text);
            return (await evaluateAt(ort, plan.spec, state, { T: m.T, batch: r.batch }, heldOutBatches(held, r.batch), providers)).accuracy;
          }
          case 'head':
            return probed ? headMeasure(probed, m.stat, m.layer, m.head) : null;
          case 'residual':
            return probed ? residualMeasure(probed, m.after) : null;
        }
      }
    } finally {
      await result.trainer.release();
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return { ...base, status: 'failed', message, steps: losses.length, losses, evaluations, track, values: exp.measures.map(() => null), seconds: (performance.now() - t0) / 1000 };
  } finally {
    await (probe as Probe | null)?.release().catch(() => undefined);
  }
}

const sameRun = (a: Pick<ExperimentRun, 'variant' | 'sweep' | 'seed'>, b: Pick<ExperimentRun, 'variant' | 'sweep' | 'seed'>) => a.variant === b.variant && a.sweep === b.sweep && a.seed === b.seed;

/**
 * Runs `exp`: every planned run not already in `hooks.done` (finished ones are carried over), one
 * after another. Stops after the run under way when `hooks.stop()` says so (that run is 'stopped'
 * and the result has no `finished` time). Throws ExperimentError before training anything when the
 * definition cannot be run (planRuns).
 */
export async function runExperiment(ort: OrtLike, exp: Experiment, hooks: ExperimentHooks = {}): Promise<ExperimentResult> {
  const plan = planRuns(exp);
  const providers = hooks.providers ?? ['wasm'];
  const result: ExperimentResult = { experiment: exp, runs: [], provider: providers[0]!, started: new Date().toISOString() };
  const total = plan.reduce((n, p) => n + p.recipe.steps, 0);
  let before = 0;
  let stopped = false;
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i]!;
    const kept = hooks.done?.find((d) => sameRun(d, p) && (d.status === 'done' || d.status === 'diverged'));
    if (kept) {
      result.runs.push(kept);
      before += p.recipe.steps;
      continue;
    }
    if (hooks.stop?.()) {
      stopped = true;
      break;
    }
    /** Where run `at` stands (the one under way; after the last, the last one, done). */
    const progress = (at: number, step: number, finished: ExperimentRun[], fraction: number): ExperimentProgress => {
      const q = plan[Math.min(at, plan.length - 1)]!;
      return { runs: plan.length, run: at, label: q.label, seed: q.seed, step, steps: q.recipe.steps, fraction: total ? Math.min(1, fraction) : 1, finished };
    };
    const run = await runOne(ort, exp, p, hooks, (step) => hooks.onProgress?.(progress(i, step, [], (before + step) / total)));
    result.runs.push(run);
    before += p.recipe.steps;
    // After a run: the next one's label and seed at step 0 (the last run's, all its steps, after the last).
    hooks.onProgress?.(progress(i + 1, i + 1 < plan.length ? 0 : run.steps, [run], before / total));
    if (run.status === 'stopped') {
      stopped = true;
      break;
    }
  }
  if (!stopped) result.finished = new Date().toISOString();
  return result;
}

/**
 * A measure's short name, as the files' column headers and the command line's table give it:
 * "accuracy", "stepsTo 0.9", "accuracyAt T=24", "head induction L1" (the best head) or
 * "head sink L0 H2", "residual after 2".
 */
export function measureName(m: Measure): string {
  switch (m.kind) {
    case 'stepsTo':
      return `stepsTo ${m.accuracy}`;
    case 'accuracyAt':
      return `accuracyAt T=${m.T}`;
    case 'head':
      return `head ${m.stat} L${m.layer}${m.head === undefined ? '' : ` H${m.head}`}`;
    case 'residual':
      return `residual after ${m.after}`;
    default:
      return m.kind;
  }
}

/** Mean, extremes and sample standard deviation of the finite values; null when there are none. */
export function summaryOf(values: readonly (number | null)[]): MeasureSummary | null {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!xs.length) return null;
  const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
  const sd = xs.length > 1 ? Math.sqrt(xs.reduce((s, v) => s + (v - mean) ** 2, 0) / (xs.length - 1)) : 0;
  return { n: xs.length, mean, min: Math.min(...xs), max: Math.max(...xs), sd };
}

/**
 * One row per (variant, sweep value) of the experiment, in plan order, with the mean, extremes and
 * spread of each measure over its finished runs ('done' or 'diverged'; 'stopped' and 'failed' runs
 * are left out). A row with no finished run has runs 0 and null measures.
 */
export function summarize(result: ExperimentResult): SummaryRow[] {
  const exp = result.experiment;
  const sweeps: (number | null)[] = exp.sweep ? exp.sweep.values.map((_, i) => i) : [null];
  const rows: SummaryRow[] = [];
  exp.variants.forEach((_, v) => {
    for (const s of sweeps) {
      const runs = result.runs.filter((r) => r.variant === v && r.sweep === s && (r.status === 'done' || r.status === 'diverged'));
      rows.push({
        variant: v,
        sweep: s,
        label: runLabel(exp, v, s),
        runs: runs.length,
        diverged: runs.filter((r) => r.status === 'diverged').length,
        measures: exp.measures.map((_, m) => summaryOf(runs.map((r) => r.values[m] ?? null))),
      });
    }
  });
  return rows;
}

/** The summary row labelled `label`. */
export function rowOf(rows: readonly SummaryRow[], label: string): SummaryRow | undefined {
  return rows.find((r) => r.label === label);
}

/** A lesson figure from a summary row (defined with the lessons, which may not import train/). */
export { measured } from '../presets/lessons/experimentFigures';
