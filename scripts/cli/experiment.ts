/**
 * npm run experiment -- (definition.json | --lesson LESSON_ID) [--out results.json] [--csv runs.csv]
 *                       [--summary-csv summary.csv] [--markdown] [--threads N] [--native]
 *
 * Runs an experiment definition (src/spec/experiment.ts; docs/training.md "Experiments") in Node,
 * one training after another, as the page's Experiments panel does: on onnxruntime-web's WASM
 * backend (so the figures are the page's), or onnxruntime-node's CPU backend with --native. With
 * --lesson, the experiment of the lesson's first step that has one. Prints a line per run and at
 * the end the summary table (each measure as mean ± sd [min–max] over the seeds; --markdown for
 * a Markdown table), and writes the results as JSON (which the page can open) and CSV.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { findLesson, LESSONS } from '../../src/presets/lessons';
import type { Experiment, ExperimentResult, MeasureSummary } from '../../src/spec/experiment';
import { readExperiment } from '../../src/spec/experimentSchema';
import { ExperimentError, measureName, planRuns, runExperiment, summarize } from '../../src/train/experiment';
import { resultsCsv, resultsJson, summaryCsv } from '../../src/train/experimentFile';
import { nodeRuntime, runMain, webRuntime } from './runtimes';
import { CliError } from './source';

const USAGE = `usage: npm run experiment -- (definition.json | --lesson LESSON_ID) [--out results.json] [--csv runs.csv]
       [--summary-csv summary.csv] [--markdown] [--threads N] [--native]`;

const VALUED = ['--lesson', '--out', '--csv', '--summary-csv', '--threads'];
const SWITCHES = ['--markdown', '--native', '--help', '-h'];

function parse(argv: string[]): { own: Map<string, string>; switches: Set<string>; files: string[] } {
  const own = new Map<string, string>();
  const switches = new Set<string>();
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.includes(flag)) switches.add(flag);
    else if (VALUED.includes(flag)) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value\n${USAGE}`, 2);
      own.set(flag, v);
    } else if (arg.startsWith('-')) throw new CliError(`unknown option ${arg}\n${USAGE}`, 2);
    else files.push(arg);
  }
  return { own, switches, files };
}

/** The experiment of a definition file (or of a results file, which holds its definition). */
function fromFile(file: string): Experiment {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CliError(`${file} is not JSON: ${(e as Error).message}`, 2);
  }
  const def = raw && typeof raw === 'object' && 'format' in raw && 'experiment' in raw ? (raw as { experiment: unknown }).experiment : raw;
  const r = readExperiment(def);
  if (!r.ok) throw new CliError(`${file} is not a valid experiment definition:\n  ${r.errors.join('\n  ')}`, 2);
  return r.experiment;
}

function fromLesson(id: string): Experiment {
  const withExperiments = LESSONS.filter((l) => l.steps.some((s) => s.experiment)).map((l) => l.id);
  const lesson = findLesson(id);
  if (!lesson) throw new CliError(`--lesson: no lesson "${id}" (lessons with an experiment: ${withExperiments.join(', ') || 'none yet'})`, 2);
  const step = lesson.steps.find((s) => s.experiment);
  if (!step) throw new CliError(`--lesson: lesson "${id}" has no experiment (lessons with one: ${withExperiments.join(', ') || 'none yet'})`, 2);
  return step.experiment!();
}

/** A number with 3 significant digits (whole numbers as they are). */
function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : Number(v.toPrecision(3)).toString();
}
const cell = (m: MeasureSummary | null) => (m ? (m.n > 1 ? `${fmt(m.mean)} ± ${fmt(m.sd)} [${fmt(m.min)}–${fmt(m.max)}]` : fmt(m.mean)) : '—');

/** The summary table: a row per (variant, sweep value), a column per measure. */
function table(result: ExperimentResult, markdown: boolean): string {
  const exp = result.experiment;
  const head = ['model', 'runs', ...exp.measures.map(measureName)];
  const rows = summarize(result).map((r) => [r.label, `${r.runs}/${exp.seeds.length}${r.diverged ? ` (${r.diverged} diverged)` : ''}`, ...r.measures.map(cell)]);
  if (markdown) {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n');
  }
  const widths = head.map((_, c) => Math.max(...[head, ...rows].map((r) => r[c]!.length)));
  return [head, ...rows].map((r) => r.map((s, c) => s.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

function write(flag: string, file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new CliError(`${flag}: cannot write ${file}: ${(e as Error).message}`);
  }
  console.log(`wrote ${file}`);
}

async function main(): Promise<void> {
  const { own, switches, files } = parse(process.argv.slice(2));
  if (switches.has('--help') || switches.has('-h')) throw new CliError(USAGE, 0);
  if (files.length > 1) throw new CliError(`give one definition file, got ${files.length}\n${USAGE}`, 2);
  if (!files.length && !own.has('--lesson')) throw new CliError(`give a definition file or --lesson LESSON_ID\n${USAGE}`, 2);
  if (files.length && own.has('--lesson')) throw new CliError(`give a definition file or --lesson, not both\n${USAGE}`, 2);
  const exp = files.length ? fromFile(files[0]!) : fromLesson(own.get('--lesson')!);
  const threads = Number(own.get('--threads') ?? 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) throw new CliError(`--threads must be a whole number from 1 to 64, got "${own.get('--threads')}"`, 2);
  const native = switches.has('--native');
  let plan;
  try {
    plan = planRuns(exp);
  } catch (e) {
    if (e instanceof ExperimentError) throw new CliError(`the experiment cannot run: ${e.message}`, 2);
    throw e;
  }

  const ort = native ? await nodeRuntime(threads) : await webRuntime(threads);
  const steps = plan.reduce((n, p) => n + p.recipe.steps, 0);
  console.log(`${exp.title}: ${plan.length} run${plan.length === 1 ? '' : 's'}, ${steps} steps in all, on ${native ? 'onnxruntime-node (CPU)' : 'onnxruntime-web (WASM)'}, ${threads} thread${threads === 1 ? '' : 's'}`);
  const t0 = performance.now();
  let shown = -1;
  const result = await runExperiment(ort, exp, {
    providers: [native ? 'cpu' : 'wasm'],
    onProgress: (p) => {
      for (const r of p.finished) {
        const values = r.values.map((v, i) => `${measureName(exp.measures[i]!)} ${v === null ? '—' : fmt(v)}`).join(', ');
        console.log(`run ${p.run}/${p.runs} ${r.label}, seed ${r.seed}: ${r.status}${r.message ? ` (${r.message})` : ''} after ${r.steps} steps, ${r.seconds.toFixed(1)} s; ${values}`);
      }
      const tenth = Math.floor(p.fraction * 10);
      if (!p.finished.length && tenth > shown) {
        shown = tenth;
        const s = (performance.now() - t0) / 1000;
        const left = p.fraction > 0 ? (s / p.fraction) * (1 - p.fraction) : NaN;
        console.log(`  ${(100 * p.fraction).toFixed(0)}%: run ${p.run + 1}/${p.runs} ${p.label}, seed ${p.seed}, step ${p.step}/${p.steps}; ${s.toFixed(0)} s so far${Number.isFinite(left) ? `, about ${left.toFixed(0)} s left` : ''}`);
      }
    },
  });
  console.log(`\n${exp.title} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  console.log(table(result, switches.has('--markdown')));
  if (own.has('--out')) write('--out', own.get('--out')!, resultsJson(result));
  if (own.has('--csv')) write('--csv', own.get('--csv')!, resultsCsv(result));
  if (own.has('--summary-csv')) write('--summary-csv', own.get('--summary-csv')!, summaryCsv(result));
  if (result.runs.some((r) => r.status === 'failed')) process.exitCode = 1;
}

runMain(main);
