/**
 * node scripts/bench/gpt2-why.mjs --file MODEL.onnx [--threads 2] [--only NAME,...]
 *
 * What limits the page/node ratio of scripts/bench/gpt2.mjs, measured in Node on the same file
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
 * `node scripts/bench/gpt2-run.mjs --keep-file /tmp/gpt2.onnx`.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, unlinkSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitForQuiet } from './gpt2.mjs';

const self = fileURLToPath(import.meta.url);
const args = process.argv.slice(2);
const flag = (name) => (args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1] : undefined);

const T = 256;
const tokenData = () => BigInt64Array.from({ length: T }, (_, i) => BigInt(2 + (i % 95)));

async function runtime(which, threads, extra = {}) {
  if (which === 'node') {
    const ort = await import('onnxruntime-node');
    return { ort, opts: { executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all', ...extra } };
  }
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = threads;
  ort.env.logLevel = 'error';
  return { ort, opts: { executionProviders: ['wasm'], graphOptimizationLevel: 'all', logSeverityLevel: 3, ...extra } };
}

async function timed(session, feeds, runs) {
  await session.run(feeds);
  const ms = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const out = await session.run(feeds);
    ms.push(performance.now() - t0);
    for (const t of Object.values(out)) t.dispose?.();
  }
  ms.sort((a, b) => a - b);
  return { bestMs: +ms[0].toFixed(2), medianMs: +ms[ms.length >> 1].toFixed(2) };
}

/** A MatMul-only model [M, K] × [K, N] (the weight an initialiser, as in the exported file). */
async function matmulModel(M, K, N) {
  const onnxProto = await import('onnx-proto');
  const { onnx } = onnxProto.default ?? onnxProto;
  const w = Float32Array.from({ length: K * N }, (_, i) => Math.sin(i * 0.37) * 0.02);
  const dims = (...d) => ({ dim: d.map((dimValue) => ({ dimValue })) });
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

/** One measurement, in this (child) process. */
async function child(job) {
  const { which, threads, kind } = job;
  if (kind === 'matmul') {
    const [M, K, N] = job.shape;
    const { ort, opts } = await runtime(which, threads);
    const s = await ort.InferenceSession.create(await matmulModel(M, K, N), opts);
    const x = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i * 0.11));
    const r = await timed(s, { x: new ort.Tensor('float32', x, [M, K]) }, 20);
    return { ...r, gflops: +((2 * M * K * N) / r.bestMs / 1e6).toFixed(1) };
  }
  const bytes = readFileSync(job.file);
  if (kind === 'profile') {
    const dir = mkdtempSync(join(tmpdir(), 'gpt2-prof-'));
    const { ort, opts } = await runtime(which, threads, which === 'node' ? { enableProfiling: true, profileFilePrefix: join(dir, 'p') } : { enableProfiling: true });
    const s = await ort.InferenceSession.create(bytes, opts);
    const feeds = { [s.inputNames[0]]: new ort.Tensor('int64', tokenData(), [1, T]) };
    await timed(s, feeds, 3);
    s.endProfiling();
    await s.release();
    // Native writes a JSON file; the WASM build prints its events to stdout, which the parent reads.
    if (which === 'node') {
      const f = join(dir, readdirSync(dir)[0]);
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
  const r = await timed(s, { [s.inputNames[0]]: new ort.Tensor('int64', tokenData(), [1, T]) }, 7);
  return { loadMs, ...r };
}

/** Per-operator kernel time per run (ms), from onnxruntime's profile events, biggest first. */
function summarise(events) {
  const byOp = {};
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
async function measure(job) {
  const quiet = await waitForQuiet({ maxMs: 60_000 });
  const out = execFileSync(process.execPath, [self, '--child', JSON.stringify(job)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const lines = out.split('\n');
  const result = JSON.parse(lines.find((l) => l.startsWith('{"result"'))).result;
  if (result.eventsOnStdout) {
    const events = lines.map((l) => l.trim().replace(/,$/, '')).filter((l) => l.startsWith('{"cat"')).map((l) => JSON.parse(l));
    result.events = summarise(events);
    delete result.eventsOnStdout;
  }
  return { ...job, file: undefined, ...result, busyBefore: quiet.busy };
}

if (args[0] === '--child') {
  const result = await child(JSON.parse(args[1]));
  console.log(JSON.stringify({ result }));
  process.exit(0);
}

const file = flag('file');
const threads = Number(flag('threads') ?? 2);
const only = flag('only')?.split(',') ?? ['matmul', 'threads', 'profile', 'options'];
if (!file && only.some((o) => o !== 'matmul')) {
  console.error('usage: node scripts/bench/gpt2-why.mjs --file MODEL.onnx [--threads 2] [--only matmul,threads,profile,options]');
  process.exit(1);
}
const report = { T, threads };
const log = (r) => console.error(JSON.stringify(r));
if (only.includes('matmul')) {
  report.matmul = [];
  // The preset's GEMMs at T = 256: q/k/v/o projections, the MLP's two, the unembedding.
  for (const shape of [[256, 768, 768], [256, 768, 3072], [256, 3072, 768]])
    for (const n of [1, threads]) for (const which of ['node', 'web']) report.matmul.push(log(await measure({ kind: 'matmul', which, threads: n, shape })));
}
if (only.includes('threads')) {
  report.threads = [];
  for (const n of [1, threads]) for (const which of ['node', 'web']) report.threads.push(log(await measure({ kind: 'whole', which, threads: n, file })));
}
if (only.includes('profile')) {
  report.profile = [];
  for (const which of ['node', 'web']) report.profile.push(log(await measure({ kind: 'profile', which, threads, file })));
}
if (only.includes('options')) {
  report.options = [];
  const variants = {
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
