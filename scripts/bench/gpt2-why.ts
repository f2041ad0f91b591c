/**
 * npx tsx scripts/bench/gpt2-why.ts --file MODEL.onnx [--threads 2] [--only NAME,...]
 *
 * What limits the page/node ratio of scripts/bench/gpt2.ts, measured in Node on the same file
 * (onnxruntime-web's WASM in Node runs within a few per cent of the page; see docs/benchmarks.md):
 *   - matmul: a MatMul-only graph at the preset's GEMM shapes (T = 256), native against WASM, with
 *     1 and `threads` threads: GFLOP/s of the kernel that dominates;
 *   - profile: onnxruntime's own per-operator profile of the whole file in both runtimes;
 *   - threads: the whole file with 1 and `threads` threads in both runtimes;
 *   - options: onnxruntime-web session options that might matter (graph optimisation level,
 *     memory arena and pattern, execution mode, thread spinning).
 * Every figure is the fastest of several warm runs after one warm-up, in a fresh process, after
 * waiting for the machine to be quiet. Prints JSON.
 * MODEL.onnx: the fast-mode file the page exports for gpt2-small at T = 256, e.g. from
 * `npx tsx scripts/bench/gpt2-run.ts --keep-file /tmp/gpt2.onnx`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, unlinkSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as OrtWeb from 'onnxruntime-web';
import { timeRuns, waitForQuiet } from './gpt2';
import { flag } from './results';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);

const T = 256;
const tokenData = () => BigInt64Array.from({ length: T }, (_, i) => BigInt(2 + (i % 95)));

type Which = 'node' | 'web';
/** onnxruntime-node and onnxruntime-web share onnxruntime-common's API: one type for both. */
type Ort = typeof OrtWeb;
type SessionOptions = OrtWeb.InferenceSession.SessionOptions;

async function runtime(which: Which, threads: number, extra: Record<string, unknown> = {}): Promise<{ ort: Ort; opts: SessionOptions }> {
  if (which === 'node') {
    const ort = (await import('onnxruntime-node')) as unknown as Ort;
    return { ort, opts: { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', ...extra } };
  }
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return { ort, opts: { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...extra } };
}

/** The fastest and the median of `runs` warm runs (scripts/bench/gpt2.ts: timeRuns), to 0.01 ms. */
async function timed(session: OrtWeb.InferenceSession, feeds: Record<string, OrtWeb.Tensor>, runs: number) {
  const r = await timeRuns(() => session.run(feeds), runs);
  return { bestMs: +r.minMs.toFixed(2), medianMs: +r.medianMs.toFixed(2) };
}

/** A MatMul-only model [M, K] × [K, N] (the weight an initialiser, as in the exported file). */
async function matmulModel(M: number, K: number, N: number): Promise<Uint8Array> {
  // onnx-proto is CommonJS: Node's ESM loader gives its exports as `default` (as in src/graph/onnx.ts).
  const onnxProto = await import('onnx-proto');
  const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;
  const w = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.37) * 0.02);
  const dims = (...d: number[]) => ({ dim: d.map((dimValue) => ({ dimValue })) });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'matmul',
        node: [{ opType: 'MatMul', input: ['x', 'w'], output: ['y'] }],
        initializer: [{ name: 'w', dataType: 1, dims: [K, N], rawData: new Uint8Array(w.buffer) }],
        input: [{ name: 'x', type: { tensorType: { elemType: 1, shape: dims(M, K) } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: dims(M, N) } } }],
      },
    }),
  ).finish();
}

/** One measurement to take in a fresh process. */
interface Job {
  kind: 'matmul' | 'profile' | 'whole';
  which: Which;
  threads: number;
  shape?: [number, number, number];
  file?: string;
  extra?: Record<string, unknown>;
}

/** One measurement, in this (child) process. */
async function child(job: Job): Promise<Record<string, unknown>> {
  const { which, threads, kind } = job;
  if (kind === 'matmul') {
    const [M, K, N] = job.shape!;
    const { ort, opts } = await runtime(which, threads);
    const s = await ort.InferenceSession.create(await matmulModel(M, K, N), opts);
    const x = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i * 0.11));
    const r = await timed(s, { x: new ort.Tensor('float32', x, [M, K]) }, 20);
    return { ...r, gflops: +((2 * M * K * N) / r.bestMs / 1e6).toFixed(1) };
  }
  const bytes = readFileSync(job.file!);
  if (kind === 'profile') {
    const dir = mkdtempSync(join(tmpdir(), 'gpt2-prof-'));
    const { ort, opts } = await runtime(which, threads, which === 'node' ? { enableProfiling: true, profileFilePrefix: join(dir, 'p') } : { enableProfiling: true });
    const s = await ort.InferenceSession.create(bytes, opts);
    const feeds = { [s.inputNames[0]!]: new ort.Tensor('int64', tokenData(), [1, T]) };
    await timed(s, feeds, 3);
    s.endProfiling();
    await s.release();
    // Native writes a JSON file; the WASM build prints its events to stdout, which the parent reads.
    if (which === 'node') {
      const f = join(dir, readdirSync(dir)[0]!);
      const events = JSON.parse(readFileSync(f, 'utf8'));
      unlinkSync(f);
      return { events: summarise(events) };
    }
    return { eventsOnStdout: true };
  }
  const { ort, opts } = await runtime(which, threads, job.extra ?? {});
  const t0 = performance.now();
  const s = await ort.InferenceSession.create(bytes, opts);
  const loadMs = +(performance.now() - t0).toFixed(0);
  const r = await timed(s, { [s.inputNames[0]!]: new ort.Tensor('int64', tokenData(), [1, T]) }, 7);
  return { loadMs, ...r };
}

/** Per-operator kernel time per run (ms), from onnxruntime's profile events, biggest first. */
interface ProfileEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

function summarise(events: ProfileEvent[]) {
  const byOp: Record<string, number> = {};
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
  for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp[e.args?.op_name ?? '?'] = (byOp[e.args?.op_name ?? '?'] ?? 0) + e.dur;
  const n = Math.max(1, runs.length);
  const total = Object.values(byOp).reduce((a, b) => a + b, 0);
  return {
    runs: runs.length,
    runMs: runs.map((e) => +(e.dur / 1000).toFixed(1)),
    kernelMsPerRun: +(total / 1000 / n).toFixed(1),
    byOp: Object.fromEntries(Object.entries(byOp).sort((a, b) => b[1] - a[1]).map(([op, us]) => [op, { ms: +(us / 1000 / n).toFixed(1), share: +(us / total).toFixed(3) }])),
  };
}

/** Runs `job` in a fresh Node process once the machine is quiet. */
async function measure(job: Job) {
  const quiet = await waitForQuiet({ maxMs: 60_000 });
  // The child runs as this one does (process.execArgv: tsx's loader).
  const out = execFileSync(process.execPath, [...process.execArgv, self, '--child', JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const lines = out.split('\n');
  const result = JSON.parse(lines.find((l) => l.startsWith('{"result"')) ?? '{}').result;
  if (result.eventsOnStdout) {
    const events = lines.map((l) => l.trim().replace(/,$/, '')).filter((l) => l.startsWith('{"cat"')).map((l) => JSON.parse(l) as ProfileEvent);
    result.events = summarise(events);
    delete result.eventsOnStdout;
  }
  return { ...job, file: undefined, ...result, busyBefore: quiet.busy };
}

if (args[0] === '--child') {
  const result = await child(JSON.parse(args[1]!));
  console.log(JSON.stringify({ result }));
  process.exit(0);
}

const file = flag(args, 'file');
const threads = Number(flag(args, 'threads') ?? 2);
const only = flag(args, 'only')?.split(',') ?? ['matmul', 'threads', 'profile', 'options'];
if (!file && only.some((o) => o !== 'matmul')) {
  console.error('usage: npx tsx scripts/bench/gpt2-why.ts --file MODEL.onnx [--threads 2] [--only matmul,threads,profile,options]');
  process.exit(1);
}
type Row = Record<string, unknown>;
const report: { T: number; threads: number | Row[]; matmul?: Row[]; profile?: Row[]; options?: Row[] } = { T, threads };
const log = <R,>(r: R): R => {
  console.error(JSON.stringify(r));
  return r;
};
if (only.includes('matmul')) {
  report.matmul = [];
  // The preset's GEMMs at T = 256: q/k/v/o projections, the MLP's two, the unembedding.
  for (const shape of [[256, 768, 768], [256, 768, 3072], [256, 3072, 768]] as [number, number, number][])
    for (const n of [1, threads]) for (const which of ['node', 'web'] as const) report.matmul.push(log(await measure({ kind: 'matmul', which, threads: n, shape })));
}
if (only.includes('threads')) {
  const rows: Row[] = [];
  report.threads = rows;
  for (const n of [1, threads]) for (const which of ['node', 'web'] as const) rows.push(log(await measure({ kind: 'whole', which, threads: n, file })));
}
if (only.includes('profile')) {
  report.profile = [];
  for (const which of ['node', 'web'] as const) report.profile.push(log(await measure({ kind: 'profile', which, threads, file })));
}
if (only.includes('options')) {
  report.options = [];
  const variants: Record<string, Record<string, unknown>> = {
    default: {},
    'graphOptimizationLevel extended': { graphOptimizationLevel: 'extended' },
    'graphOptimizationLevel basic': { graphOptimizationLevel: 'basic' },
    'enableCpuMemArena false': { enableCpuMemArena: false },
    'enableMemPattern false': { enableMemPattern: false },
    'executionMode parallel': { executionMode: 'parallel' },
    'intra_op.allow_spinning 0': { extra: { session: { intra_op: { allow_spinning: '0' } } } },
  };
  for (const [name, extra] of Object.entries(variants)) report.options.push(log({ variant: name, ...(await measure({ kind: 'whole', which: 'web', threads, file, extra })) }));
}
console.log(JSON.stringify(report, null, 2));
