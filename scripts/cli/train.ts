/**
 * npm run train -- [config.json | share link | --preset NAME] --task KIND [--task-params JSON] [--text FILE]
 *                  [--steps N] [--batch B] [--seq-len T] [--lr X] [--warmup W] [--seed S] [--eval-every K]
 *                  [--threads N] [--native] [--out trained.onnx] [--mode inspect|fast] [--json]
 *
 * Trains the model in Node on onnxruntime-web's WASM backend (onnxruntime-node's CPU backend with
 * --native), printing loss, accuracy and held-out accuracy as it goes, and writes the trained model
 * as a standard ONNX file (the trained weights baked in, the recipe in its metadata) that the
 * page, Netron and Python open. --json prints one JSON object per line instead.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { toOnnxBytes } from '../../src/graph/onnx';
import { bakeWeights } from '../../src/train/bake';
import { DEFAULT_OPTIMIZER } from '../../src/train/optimizer';
import { recipe, train, type Recipe } from '../../src/train/run';
import { findTask, TASKS } from '../../src/train/tasks/registry';
import { nodeRuntime, runMain, webRuntime } from './runtimes';
import { CliError, INFERENCE_MODES, parseArgs } from './source';

const USAGE = `usage: npm run train -- [config.json | share-link | --preset NAME] --task KIND [--task-params JSON] [--text FILE]
       [--steps N] [--batch B] [--seq-len T] [--lr X] [--warmup W] [--seed S] [--eval-every K] [--threads N] [--native]
       [--out trained.onnx] [--mode inspect|fast] [--json]
tasks: ${TASKS.map((t) => t.kind).join(', ')}`;

/** This script's own options, taken out of argv before the shared model options are parsed. */
const OWN = ['--task', '--task-params', '--text', '--steps', '--lr', '--warmup', '--seed', '--eval-every', '--threads'];
const SWITCHES = ['--native', '--json'];

function split(argv: string[]): { own: Map<string, string>; switches: Set<string>; rest: string[] } {
  const own = new Map<string, string>();
  const switches = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (SWITCHES.includes(flag)) switches.add(flag);
    else if (OWN.includes(flag)) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined) throw new CliError(`${flag} needs a value\n${USAGE}`, 2);
      own.set(flag, v);
    } else rest.push(arg);
  }
  return { own, switches, rest };
}

function num(own: Map<string, string>, flag: string, fallback: number, { int = false, min = -Infinity, max = Infinity } = {}): number {
  const raw = own.get(flag);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || (int && !Number.isInteger(v)) || v < min || v > max) {
    throw new CliError(`${flag} must be ${int ? 'a whole number' : 'a number'} from ${min} to ${max}, got "${raw}"`, 2);
  }
  return v;
}

async function main(): Promise<void> {
  const { own, switches, rest } = split(process.argv.slice(2));
  if (rest.includes('--help') || rest.includes('-h')) throw new CliError(USAGE, 0);
  const kind = own.get('--task');
  if (!kind) throw new CliError(`--task KIND is required\n${USAGE}`, 2);
  const task = findTask(kind);
  if (!task) throw new CliError(`--task: no task "${kind}" (known: ${TASKS.map((t) => t.kind).join(', ')})`, 2);
  let taskParams: Record<string, unknown> = {};
  if (own.has('--task-params')) {
    try {
      taskParams = JSON.parse(own.get('--task-params')!) as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`--task-params must be a JSON object, e.g. '{"maxLen": 8}': ${(e as Error).message}`, 2);
    }
  }
  const text = own.has('--text') ? readText(own.get('--text')!) : undefined;
  const parsed = task.parse(taskParams, text);
  if (!parsed.ok) throw new CliError(`--task-params: ${parsed.message}`, 2);

  const seqGiven = rest.some((a) => a === '--seq-len' || a.startsWith('--seq-len='));
  const { spec, origin, mode: givenMode, T: givenT, batch: givenBatch, out } = parseArgs(rest, USAGE, false, INFERENCE_MODES, true);
  const mode = rest.some((a) => a.startsWith('--mode')) ? givenMode : 'inspect';
  const T = seqGiven ? givenT : task.minT(taskParams, text);
  if (T > spec.maxLen) throw new CliError(`the task needs T = ${T}, more than the model's maxLen (${spec.maxLen}); give a model with a larger maxLen`, 2);
  const problem = task.check(taskParams, T, text);
  if (problem) throw new CliError(problem, 2);
  const steps = num(own, '--steps', 1000, { int: true, min: 1, max: 1_000_000 });
  const r: Recipe = recipe({
    task: kind,
    taskParams,
    ...(text === undefined ? {} : { text }),
    T,
    batch: rest.some((a) => a.startsWith('--batch')) ? givenBatch : 16,
    steps,
    lr: num(own, '--lr', 3e-3, { min: 0, max: 10 }),
    ...(own.has('--warmup') ? { warmup: num(own, '--warmup', 0, { int: true, min: 0, max: steps }) } : {}),
    seed: num(own, '--seed', spec.seed, { int: true, min: 0, max: 2 ** 31 - 1 }),
    ...(own.has('--eval-every') ? { evalEvery: num(own, '--eval-every', 100, { int: true, min: 1, max: steps }) } : {}),
  });
  const threads = num(own, '--threads', 1, { int: true, min: 1, max: 64 });
  const json = switches.has('--json');
  const native = switches.has('--native');

  const ort = native ? await nodeRuntime(threads) : await webRuntime(threads);
  const say = (line: object | string) => console.log(json ? JSON.stringify(line) : line);
  say(json ? { event: 'start', model: origin, backend: native ? 'onnxruntime-node cpu' : 'onnxruntime-web wasm', threads, recipe: r } : `training ${origin} on ${task.title} (T = ${T}, batch ${r.batch}, ${steps} steps, lr ${r.lr}, seed ${r.seed}) with ${native ? 'onnxruntime-node (CPU)' : 'onnxruntime-web (WASM)'}, ${threads} thread${threads === 1 ? '' : 's'}`);
  const t0 = performance.now();
  let last = { loss: NaN, accuracy: NaN };
  const result = await train(ort, spec, r, {
    trainer: { providers: [native ? 'cpu' : 'wasm'] },
    onStep: (s) => {
      const rate = s.step / ((performance.now() - t0) / 1000);
      if (json) say({ event: 'step', ...s, stepsPerSecond: rate });
      else if (s.step % Math.max(1, Math.round(r.evalEvery / 5)) === 0 || s.step === 1) {
        const left = (steps - s.step) / rate;
        say(`step ${s.step}/${steps}  loss ${s.loss.toFixed(4)}  accuracy ${(100 * s.accuracy).toFixed(1)}%  grad norm ${s.gradNorm.toFixed(2)}  lr ${s.lr.toExponential(2)}  ${rate.toFixed(1)} steps/s, ${left.toFixed(0)} s left`);
      }
    },
    onEval: (e) => {
      last = e;
      say(json ? { event: 'eval', ...e } : `  held-out at step ${e.step}: loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy).toFixed(2)}%`);
    },
  });
  if (result.diverged) say(json ? { event: 'diverged', step: result.diverged.step, message: result.diverged.message } : result.diverged.message);
  const seconds = (performance.now() - t0) / 1000;
  if (out) {
    const graph = bakeWeights({ ...spec, seed: r.seed }, { T: spec.maxLen, mode }, await result.trainer.weights());
    const bytes = toOnnxBytes(graph, {
      docString: `${spec.name} trained on ${task.title} for ${result.trainer.step} steps (Transformer Playground, ${mode} mode, T = ${spec.maxLen})`,
      metadata: {
        'transformer_playground.spec': JSON.stringify({ ...spec, seed: r.seed }),
        'transformer_playground.mode': mode,
        'transformer_playground.seq_len': String(spec.maxLen),
        'transformer_playground.recipe': JSON.stringify({ ...r, stepsTaken: result.trainer.step, optimizer: DEFAULT_OPTIMIZER }),
        'transformer_playground.held_out': JSON.stringify(last),
      },
    });
    try {
      writeFileSync(out, bytes);
    } catch (e) {
      throw new CliError(`--out: cannot write ${out}: ${(e as Error).message}`);
    }
    say(json ? { event: 'wrote', file: out, bytes: bytes.length } : `wrote ${out} (${mode} mode, T = ${spec.maxLen}, ${(bytes.length / 1e6).toFixed(2)} MB)`);
  }
  say(json ? { event: 'done', steps: result.trainer.step, seconds, heldOut: last } : `done: ${result.trainer.step} steps in ${seconds.toFixed(1)} s; held-out accuracy ${(100 * last.accuracy).toFixed(2)}%`);
  await result.trainer.release();
  if (result.diverged) process.exitCode = 3;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`--text: cannot read ${file}: ${(e as Error).message}`, 2);
  }
}

runMain(main);
