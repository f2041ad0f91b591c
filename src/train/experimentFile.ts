/**
 * An experiment's results as files: CSV of every run, CSV of the summary rows (for a spreadsheet),
 * and JSON of the whole result (definition, runs with their losses and evaluations, the summary),
 * which readResultsJson reads back, so results exported from one browser open in another.
 */
import { z } from 'zod';
import type { ExperimentResult, ExperimentRun } from '../spec/experiment';
import { readExperiment } from '../spec/experimentSchema';
import { measureName, summarize } from './experiment';

/** What a results JSON file says it is. */
export const RESULTS_FORMAT = 'transformer-playground-experiment';
export const RESULTS_VERSION = 1;

/** One CSV field: quoted when it holds a comma, a quote or a line break (quotes doubled). */
function field(v: string | number | null | undefined): string {
  if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const line = (fields: (string | number | null | undefined)[]) => fields.map(field).join(',');

/** One line per run: label, variant, sweep value, seed, status, steps, seconds, then each measure (empty where it has no value). */
export function resultsCsv(result: ExperimentResult): string {
  const exp = result.experiment;
  const head = ['label', 'variant', 'sweep value', 'seed', 'status', 'steps', 'seconds', ...exp.measures.map(measureName)];
  const rows = result.runs.map((r) =>
    line([r.label, exp.variants[r.variant]?.label ?? r.variant, r.sweep === null ? null : String(exp.sweep?.values[r.sweep] ?? ''), r.seed, r.status, r.steps, Number(r.seconds.toFixed(3)), ...r.values]),
  );
  return [line(head), ...rows].join('\n') + '\n';
}

/** One line per summary row: label, runs, diverged, then each measure's mean, sd, min and max over its finished runs. */
export function summaryCsv(result: ExperimentResult): string {
  const names = result.experiment.measures.map(measureName);
  const head = ['label', 'runs', 'diverged', ...names.flatMap((n) => [`${n} mean`, `${n} sd`, `${n} min`, `${n} max`])];
  const rows = summarize(result).map((r) => line([r.label, r.runs, r.diverged, ...r.measures.flatMap((m) => (m ? [m.mean, m.sd, m.min, m.max] : [null, null, null, null]))]));
  return [line(head), ...rows].join('\n') + '\n';
}

/** The whole result as JSON: {format, version, experiment, provider, started, finished, runs, summary}. Numbers that are not finite are written as null. */
export function resultsJson(result: ExperimentResult): string {
  const { experiment, provider, started, finished, runs } = result;
  return JSON.stringify({ format: RESULTS_FORMAT, version: RESULTS_VERSION, experiment, provider, started, ...(finished ? { finished } : {}), runs, summary: summarize(result) }, null, 1);
}

const num = z.number().nullable();
const runSchema = z.object({
  variant: z.number().int().min(0),
  sweep: z.number().int().min(0).nullable(),
  seed: z.number().int(),
  label: z.string(),
  status: z.enum(['done', 'diverged', 'stopped', 'failed']),
  message: z.string().optional(),
  steps: z.number().int().min(0),
  losses: z.array(num),
  evaluations: z.array(z.object({ step: z.number().int(), loss: num, accuracy: num })),
  track: z.array(z.object({ step: z.number().int(), values: z.array(num) })),
  values: z.array(num),
  seconds: z.number(),
});
const fileSchema = z.object({
  format: z.literal(RESULTS_FORMAT, { error: `is not "${RESULTS_FORMAT}": this is not an experiment results file` }),
  version: z.literal(RESULTS_VERSION, { error: (iss) => `is ${JSON.stringify(iss.input)}; this page reads version ${RESULTS_VERSION}` }),
  experiment: z.unknown(),
  provider: z.string(),
  started: z.string(),
  finished: z.string().optional(),
  runs: z.array(runSchema),
});

const nan = (v: number | null) => (v === null ? NaN : v);

/** A results JSON file (resultsJson's) read back, or the first reason it is refused, in a sentence. */
export function readResultsJson(text: string): { ok: true; result: ExperimentResult } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `the file is not JSON: ${(e as Error).message}` };
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    return { ok: false, error: `${i.path.map(String).join('.') || 'the file'}: ${i.message}` };
  }
  const d = parsed.data;
  const exp = readExperiment(d.experiment);
  if (!exp.ok) return { ok: false, error: `experiment.${exp.errors[0]}` };
  const experiment = exp.experiment;
  const rows = experiment.variants.length;
  const sweeps = experiment.sweep?.values.length ?? 0;
  for (const [k, r] of d.runs.entries()) {
    const bad =
      r.variant >= rows
        ? `variant ${r.variant} is not one of the experiment's ${rows}`
        : (r.sweep === null) !== (sweeps === 0) || (r.sweep !== null && r.sweep >= sweeps)
          ? `sweep ${r.sweep} does not fit the experiment's ${sweeps ? `${sweeps} sweep values` : 'lack of a sweep'}`
          : r.values.length !== experiment.measures.length
            ? `has ${r.values.length} values for ${experiment.measures.length} measures`
            : null;
    if (bad) return { ok: false, error: `runs.${k}: ${bad}` };
  }
  const runs: ExperimentRun[] = d.runs.map((r) => ({
    ...r,
    losses: r.losses.map(nan),
    evaluations: r.evaluations.map((e) => ({ step: e.step, loss: nan(e.loss), accuracy: nan(e.accuracy) })),
  }));
  return { ok: true, result: { experiment, runs, provider: d.provider, started: d.started, ...(d.finished ? { finished: d.finished } : {}) } };
}
