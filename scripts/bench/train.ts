/**
 * npm run bench:train [-- --rounds R] [--steps K] [--threads 1,2] [--no-docs]: training steps per
 * second of the default model at B = 16, T = 64, against PyTorch on the same architecture, batch,
 * thread count and machine, in one run (issue 16).
 *
 * Rows: our train step graph (src/train/step.ts, run by the Trainer as `npm run train` runs it) on
 * onnxruntime-web's WASM backend in Node and on onnxruntime-node's CPU backend, and the same model
 * written in PyTorch (scripts/bench/train_torch.py), each at 1 thread and at the machine's core
 * count. Every row runs in its own process (WASM's thread count is fixed per process), started
 * from the same weights on the same batch (the copy task), written here to a fixture the Python
 * twin reads; the first two steps' losses must agree (they check that PyTorch runs the same model
 * and the same AdamW). Then R rounds of K steps each, the rows taking turns within a round, so
 * the machine's other work falls on all of them alike; a row's figure is the median step.
 *
 * Then where our step's time goes: the step graph cut after the loss (forward), after the gradient
 * norm (forward + backward) and whole (+ optimiser), timed on WASM; and onnxruntime-web's own
 * per-node profile of the step, summed by op type and by part.
 *
 * Then the page (scripts/bench/trainPage.ts; skipped with --no-page): the same model, batch and
 * length trained with the Training panel in headless Chromium, its steps per second and its memory
 * after 200 and after 2,000 steps.
 *
 * Without PyTorch it says what to install and records our rows only.
 * Results: bench/results/train.json and docs/benchmarks.md between <!-- train:start/end -->.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median } from '../../src/analysis/spread';
import type { Graph } from '../../src/graph/ir';
import { toOnnxBytes } from '../../src/graph/onnx';
import { findPreset } from '../../src/presets';
import type { Spec } from '../../src/spec/types';
import { DEFAULT_OPTIMIZER } from '../../src/train/optimizer';
import { initialState, momentName, trainGraph } from '../../src/train/step';
import { findTask } from '../../src/train/tasks/registry';
import { Trainer, type OrtLike } from '../../src/train/trainer';
import { openApp } from './app';
import { flag, machine, writeResult, writeSection } from './results';
import { PAGE_STEPS, pageTraining, TIMED_AFTER_MARK, type PageTraining } from './trainPage';

const B = 16;
const T = 64;
const LR = 3e-3;
/** The copy task with strings of 16–32 letters (at T = 64 the longest fills its row). */
const TASK = { kind: 'copy', params: { minLen: 16, maxLen: 32 }, seed: 7 };
const PRESET = 'default';
const INSTALL = 'apt-get install python3-torch libopenblas0-pthread';

type Backend = 'web' | 'node' | 'torch';
const BACKEND_NAME: Record<Backend, string> = { web: 'ours: onnxruntime-web WASM', node: 'ours: onnxruntime-node CPU', torch: 'PyTorch' };

interface Fixture {
  B: number;
  T: number;
  V: number;
  dModel: number;
  nHeads: number;
  layers: number;
  normEpsilon: number;
  lr: number;
  optimizer: typeof DEFAULT_OPTIMIZER;
  weights: { name: string; shape: number[]; offset: number }[];
  tokens: number[];
  targets: number[];
  lossMask: number[];
}

const spec = (): Spec => findPreset(PRESET)!.spec();

// ---------------------------------------------------------------- a row's process (ours)

/** The onnxruntime module for `backend` with `threads` threads (as scripts/cli/train.ts makes it). */
async function runtime(backend: 'web' | 'node', threads: number): Promise<OrtLike & { raw: unknown }> {
  if (backend === 'web') {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = threads;
    ort.env.logLevel = 'error';
    return { ...(ort as unknown as OrtLike), raw: ort };
  }
  const mod = (await import('onnxruntime-node')) as unknown as OrtLike & { default?: OrtLike };
  const ort = mod.default ?? mod;
  const create = ort.InferenceSession.create.bind(ort.InferenceSession) as (b: Uint8Array, o: object) => ReturnType<OrtLike['InferenceSession']['create']>;
  // onnxruntime-node takes thread counts per session.
  return { Tensor: ort.Tensor, InferenceSession: { create: (bytes: Uint8Array, o: object) => create(bytes, { ...o, intraOpNumThreads: threads, interOpNumThreads: 1 }) }, raw: ort };
}

const say = (obj: object) => process.stdout.write(`${JSON.stringify(obj)}\n`);

/** A row's process: the Trainer on the fixture's batch; answers `run K` with K step times. */
async function worker(backend: 'web' | 'node', threads: number, dir: string): Promise<void> {
  const fx = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Fixture;
  const ort = await runtime(backend, threads);
  const trainer = await Trainer.create(ort, spec(), { T, batch: B }, { providers: [backend === 'web' ? 'wasm' : 'cpu'] });
  const ex = { tokens: fx.tokens, targets: fx.targets, lossMask: fx.lossMask };
  const first = await trainer.train(ex, LR);
  const second = await trainer.train(ex, LR);
  say({ ready: true, losses: [first.loss, second.loss], gradNorm: first.gradNorm, config: { threads } });
  for await (const line of createInterface({ input: process.stdin })) {
    const [cmd, k] = line.trim().split(/\s+/);
    if (cmd !== 'run') break;
    const ms: number[] = [];
    for (let i = 0; i < Number(k); i++) {
      const t0 = performance.now();
      await trainer.train(ex, LR);
      ms.push(performance.now() - t0);
    }
    say({ ms });
  }
  await trainer.release();
  process.exit(0);
}

// ---------------------------------------------------------------- the fixture both sides read

function writeFixture(dir: string): Fixture {
  const s = spec();
  const { weights } = trainGraph(s, { T, batch: B });
  const task = findTask(TASK.kind)!;
  const batch = task.generate(TASK.params, { batch: B, T, seed: TASK.seed });
  let offset = 0;
  const entries = weights.map((w) => {
    const e = { name: w.tensor.name, shape: [...w.tensor.shape], offset };
    offset += w.data.length;
    return e;
  });
  const flat = new Float32Array(offset);
  weights.forEach((w, i) => flat.set(w.data as Float32Array, entries[i]!.offset));
  const norm = s.layers[0]!.norm.params as { epsilon: number };
  const fx: Fixture = {
    B,
    T,
    V: weights.find((w) => w.tensor.name === 'embed.tokens')!.tensor.shape[0]!,
    dModel: s.dModel,
    nHeads: s.nHeads,
    layers: s.layers.length,
    normEpsilon: norm.epsilon,
    lr: LR,
    optimizer: DEFAULT_OPTIMIZER,
    weights: entries,
    tokens: Array.from(batch.tokens),
    targets: Array.from(batch.targets),
    lossMask: Array.from(batch.lossMask),
  };
  writeFileSync(join(dir, 'fixture.json'), JSON.stringify(fx));
  // Little-endian float32, as numpy's '<f4' reads it (every machine Node runs on is little-endian).
  writeFileSync(join(dir, 'weights.bin'), new Uint8Array(flat.buffer));
  return fx;
}

// ---------------------------------------------------------------- the rows' processes, from here

interface Ready {
  ready: true;
  losses: [number, number];
  gradNorm: number;
  config: Record<string, unknown>;
}

/** A row's process and its line protocol (one command out, one JSON line back). */
class Row {
  readonly ms: number[] = [];
  private readonly lines: AsyncIterator<string>;
  private constructor(readonly backend: Backend, readonly threads: number, private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    child.stderr.on('data', (d: Buffer) => process.stderr.write(`[${backend} ×${threads}] ${d.toString()}`));
  }
  static start(backend: Backend, threads: number, dir: string, python: string): Row {
    const self = fileURLToPath(import.meta.url);
    const child =
      backend === 'torch'
        ? spawn(python, [fileURLToPath(new URL('./train_torch.py', import.meta.url)), dir, String(threads)])
        : spawn(process.execPath, [...process.execArgv, self, '--worker', backend, '--threads', String(threads), '--dir', dir]);
    return new Row(backend, threads, child);
  }
  get name(): string {
    return `${BACKEND_NAME[this.backend]}, ${this.threads} thread${this.threads === 1 ? '' : 's'}`;
  }
  async read<R>(): Promise<R> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`${this.name}: the process ended early (its error is above)`);
    return JSON.parse(value as string) as R;
  }
  async run(k: number): Promise<number[]> {
    this.child.stdin.write(`run ${k}\n`);
    return (await this.read<{ ms: number[] }>()).ms;
  }
  quit(): void {
    this.child.stdin.end('quit\n');
  }
}

/**
 * The Python with PyTorch: $PYTHON when set (only it), else Debian's /usr/bin/python3 (a pyenv
 * python3 first on PATH lacks Debian's packages), else python3.
 */
function findPython(): { python: string; version?: string } {
  const candidates = process.env.PYTHON ? [process.env.PYTHON] : ['/usr/bin/python3', 'python3'];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return { python: '' };
}

// ---------------------------------------------------------------- where our step's time goes

/** `graph` cut down to the nodes that `outputs` need (its inputs all kept, so the same feeds fit). */
function prune(graph: Graph, outputs: readonly string[]): Graph {
  const wanted = graph.outputs.filter((t) => outputs.includes(t.name));
  const need = new Set(wanted.map((t) => t.name));
  const nodes = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i]!;
    if (!n.outputs.some((t) => need.has(t.name))) continue;
    nodes.push(n);
    for (const t of n.inputs) if (t.name) need.add(t.name);
  }
  nodes.reverse();
  return { ...graph, outputs: wanted, nodes, initializers: graph.initializers.filter((i) => need.has(i.tensor.name)) };
}

/** Which part of the step a node belongs to, by the scope the builder gave it. */
const partOf = (scope: string) => (scope.startsWith('optimizer') ? 'optimiser' : scope.startsWith('grad') ? 'backward' : 'forward');

/** The feeds of the step graph at its starting state (what the Trainer feeds on step 1). */
function stepFeeds(ort: Pick<OrtLike, 'Tensor'>, graph: Graph, weights: ReturnType<typeof trainGraph>['weights'], fx: Fixture) {
  const state = new Map<string, Float32Array>();
  for (const w of weights) {
    state.set(w.tensor.name, w.data as Float32Array);
    state.set(momentName('m', w.tensor.name), new Float32Array(w.data.length));
    state.set(momentName('v', w.tensor.name), new Float32Array(w.data.length));
  }
  for (const [k, v] of initialState(graph, weights)) state.set(k, v);
  const feeds: Record<string, unknown> = {};
  for (const input of graph.inputs) {
    const dims = [...input.shape];
    if (input.name === 'tokens' || input.name === 'targets') feeds[input.name] = new ort.Tensor('int64', BigInt64Array.from(fx[input.name], BigInt), dims);
    else if (input.name === 'loss_mask') feeds[input.name] = new ort.Tensor('float32', Float32Array.from(fx.lossMask), dims);
    else if (input.name === 'step') feeds[input.name] = new ort.Tensor('float32', Float32Array.of(1), dims);
    else if (input.name === 'lr') feeds[input.name] = new ort.Tensor('float32', Float32Array.of(LR), dims);
    else feeds[input.name] = new ort.Tensor('float32', state.get(input.name)!, dims);
  }
  return feeds as Record<string, never>;
}

interface Split {
  /** Fastest run of each cut (ms): on a shared machine the least disturbed, so the steadiest to subtract. */
  forwardMs: number;
  forwardBackwardMs: number;
  stepMs: number;
  /** Median runs of each cut (ms). */
  medians: { forwardMs: number; forwardBackwardMs: number; stepMs: number };
}

/** Session run time of the step graph cut after the loss, after the gradient norm, and whole (runs taking turns). */
async function timeParts(ort: OrtLike, providers: string[], fx: Fixture, runs: number): Promise<Split> {
  const { graph, weights } = trainGraph(spec(), { T, batch: B });
  const cuts = [prune(graph, ['loss', 'accuracy']), prune(graph, ['loss', 'accuracy', 'grad_norm']), graph];
  const sessions = await Promise.all(cuts.map((g) => ort.InferenceSession.create(toOnnxBytes(g), { executionProviders: providers, graphOptimizationLevel: 'all', logSeverityLevel: 3 })));
  const feeds = stepFeeds(ort, graph, weights, fx);
  const samples: number[][] = cuts.map(() => []);
  for (let round = 0; round < 6; round++) {
    for (let c = 0; c < cuts.length; c++) {
      for (let i = 0; i < runs / 6 + (round === 0 ? 2 : 0); i++) {
        const t0 = performance.now();
        const out = await sessions[c]!.run(feeds);
        const ms = performance.now() - t0;
        if (!(round === 0 && i < 2)) samples[c]!.push(ms); // two warm-up runs
        Object.values(out).forEach((t) => t.dispose());
      }
    }
  }
  await Promise.all(sessions.map((s) => s.release()));
  const [forwardMs, forwardBackwardMs, stepMs] = samples.map((s) => Math.min(...s)) as [number, number, number];
  const [f, fb, st] = samples.map(median) as [number, number, number];
  return { forwardMs, forwardBackwardMs, stepMs, medians: { forwardMs: f, forwardBackwardMs: fb, stepMs: st } };
}

interface Profile {
  steps: number;
  /** Sum of the nodes' median kernel times of one step under the profiler (ms): slower than unprofiled, read the shares. */
  totalMs: number;
  kernels: number;
  /** Kernel time per step by op type (ms), largest first. */
  byOp: { op: string; ms: number; nodes: number }[];
  /** Kernel time per step by part of the step (ms). */
  byPart: Record<string, number>;
  /** The slowest nodes: op, the builder's scope, output shape, ms. */
  top: { node: string; op: string; scope: string; shape: string; ms: number }[];
}

interface TraceEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string; output_type_shape?: Record<string, number[]>[] };
}

/**
 * The profiling row's process: `steps` runs of the step graph on WASM at 1 thread with
 * onnxruntime's profiler on. onnxruntime-web prints the trace (JSON) to stdout when it ends.
 */
async function profileWorker(dir: string, steps: number): Promise<void> {
  const fx = JSON.parse(readFileSync(join(dir, 'fixture.json'), 'utf8')) as Fixture;
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const { graph, weights } = trainGraph(spec(), { T, batch: B });
  const session = await ort.InferenceSession.create(toOnnxBytes(graph), { executionProviders: ['wasm'], graphOptimizationLevel: 'all', enableProfiling: true, logSeverityLevel: 3 });
  const feeds = stepFeeds(ort as unknown as OrtLike, graph, weights, fx);
  for (let i = 0; i < steps; i++) Object.values(await session.run(feeds)).forEach((t) => t.dispose());
  session.endProfiling();
  await session.release();
}

/**
 * Where the kernel time of a step goes, from onnxruntime-web's own profile (WASM, 1 thread):
 * each node's median over the steps after the first two (a median, so that a step another
 * process interrupted does not count), summed by op type and by part of the step.
 */
function profileWasm(dir: string, steps: number): Profile {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, [...process.execArgv, self, '--worker', 'profile', '--threads', '1', '--dir', dir, '--steps', String(steps)], { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`the profiling run failed: ${r.stderr}`);
  const events = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as TraceEvent[];
  const { graph } = trainGraph(spec(), { T, batch: B });
  const kernels = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
  const perStep = kernels.length / steps;
  const nodes = new Map<string, { op: string; shape: string; us: number[] }>();
  for (const e of kernels.slice(2 * perStep)) {
    const name = e.name.replace(/_kernel_time$/, '');
    const entry = nodes.get(name) ?? { op: e.args?.op_name ?? '?', shape: JSON.stringify(Object.values(e.args?.output_type_shape?.[0] ?? {})[0] ?? []), us: [] };
    entry.us.push(e.dur);
    nodes.set(name, entry);
  }
  const byOp = new Map<string, { ms: number; nodes: number }>();
  const byPart: Record<string, number> = { forward: 0, backward: 0, optimiser: 0 };
  const top: Profile['top'] = [];
  let totalMs = 0;
  for (const [name, n] of nodes) {
    const ms = median(n.us) / 1000;
    // Our nodes are named `${op}_${index}`; a fused node keeps its first node's name in front.
    const index = /^[A-Za-z]+_(\d+)/.exec(name);
    const scope = index ? (graph.nodes[Number(index[1])]?.scope ?? '') : '';
    const op = byOp.get(n.op) ?? { ms: 0, nodes: 0 };
    byOp.set(n.op, { ms: op.ms + ms, nodes: op.nodes + 1 });
    byPart[partOf(scope)]! += ms;
    top.push({ node: name, op: n.op, scope, shape: n.shape, ms });
    totalMs += ms;
  }
  return {
    steps: steps - 2,
    totalMs,
    kernels: nodes.size,
    byOp: [...byOp].map(([op, v]) => ({ op, ...v })).sort((a, b) => b.ms - a.ms),
    byPart,
    top: top.sort((a, b) => b.ms - a.ms).slice(0, 15),
  };
}

// ---------------------------------------------------------------- the run

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const rounds = Number(flag(args, 'rounds') ?? 5);
  const k = Number(flag(args, 'steps') ?? 20);
  const cores = cpus().length;
  const threadCounts = (flag(args, 'threads') ?? [...new Set([1, cores])].join(',')).split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'bench-train-'));
  const fx = writeFixture(dir);
  const { python, version: torchVersion } = findPython();
  if (!python) console.log(`PyTorch was not found (tried ${process.env.PYTHON ?? '/usr/bin/python3 and python3'}), so only our rows are measured. For the comparison, install it: ${INSTALL}`);

  const backends: Backend[] = ['web', 'node', ...(python ? (['torch'] as const) : [])];
  const rows: Row[] = [];
  const ready = new Map<Row, Ready>();
  // Started one at a time, so each warms up with the machine to itself.
  for (const threads of threadCounts) {
    for (const backend of backends) {
      const row = Row.start(backend, threads, dir, python);
      ready.set(row, await row.read<Ready>());
      console.log(`${row.name}: ready; step 1 loss ${ready.get(row)!.losses[0].toFixed(6)}, step 2 loss ${ready.get(row)!.losses[1].toFixed(6)}`);
      rows.push(row);
    }
  }
  for (const row of rows) await row.run(5); // warm
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? rows : [...rows].reverse();
    for (const row of order) row.ms.push(...(await row.run(k)));
    console.log(`round ${r + 1}/${rounds}: ${rows.map((row) => `${row.backend}×${row.threads} ${median(row.ms.slice(-k)).toFixed(1)} ms`).join(', ')}`);
  }
  rows.forEach((row) => row.quit());

  const torchConfig = rows.find((r) => r.backend === 'torch') ? ready.get(rows.find((r) => r.backend === 'torch')!)!.config : undefined;
  const reference = ready.get(rows.find((r) => r.backend === 'web')!)!;
  const results = rows.map((row) => {
    const msPerStep = median(row.ms);
    const torch = rows.find((r) => r.backend === 'torch' && r.threads === row.threads);
    const loss = ready.get(row)!.losses;
    return {
      backend: row.backend,
      name: BACKEND_NAME[row.backend],
      threads: row.threads,
      steps: row.ms.length,
      msPerStep,
      minMs: Math.min(...row.ms),
      stepsPerSecond: 1000 / msPerStep,
      // Steps per second, ours ÷ PyTorch's: from the medians, and from the fastest steps (the ones
      // least disturbed by other work on a shared machine).
      ...(torch ? { vsPyTorch: median(torch.ms) / msPerStep, vsPyTorchFastest: Math.min(...torch.ms) / Math.min(...row.ms) } : {}),
      firstLosses: loss,
      gradNorm: ready.get(row)!.gradNorm,
      lossDiff: Math.max(Math.abs(loss[0] - reference.losses[0]), Math.abs(loss[1] - reference.losses[1])),
    };
  });
  for (const r of results) console.log(JSON.stringify(r));

  // The page, right after (the same run): its own browser, with GC on demand and exact heap sizes.
  let page: PageTraining | null = null;
  if (!args.includes('--no-page')) {
    console.log(`training in the page: the Training panel, B = ${B}, T = ${T}, ${PAGE_STEPS} steps ...`);
    const app = await openApp({ port: 4394 });
    try {
      const measuring = await app.launch(['--enable-precise-memory-info', '--js-flags=--expose-gc', '--enable-blink-features=ForceEagerMeasureMemory']);
      page = await pageTraining(app, measuring, B, T);
      console.log(JSON.stringify(page));
    } finally {
      await app.close();
    }
  }

  console.log('where the time goes: timing the step graph in parts on WASM (1 thread) ...');
  const web = await runtime('web', 1);
  const parts = await timeParts(web, ['wasm'], fx, 60);
  console.log(JSON.stringify(parts));
  console.log('... and onnxruntime-web\'s own profile of the step (WASM, 1 thread)');
  const profile = profileWasm(dir, 12);
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ byPart: profile.byPart, totalMs: profile.totalMs, byOp: profile.byOp.slice(0, 10), top: profile.top.slice(0, 8) }));

  const m = machine();
  const date = new Date().toISOString();
  const blas = (torchConfig?.blas ?? {}) as { libraries?: string[]; openblas?: boolean };
  writeResult('train.json', {
    date,
    machine: m,
    preset: PRESET,
    B,
    T,
    lr: LR,
    task: TASK,
    rounds,
    stepsPerRound: k,
    onnxruntime: '1.30.0',
    pytorch: torchVersion ? { version: torchVersion, python, ...torchConfig } : { missing: true, install: INSTALL },
    /** The machine's load average (1, 5, 15 minutes) at the end: other work ran alongside. */
    loadAverage: loadavg(),
    rows: results,
    page,
    parts,
    profile,
  });
  const body = docSection(date, m, results, page, parts, profile, torchVersion, blas);
  if (!args.includes('--no-docs')) writeSection('train', body, 'Training steps per second');
  console.log(body);
}

type Result = { name: string; threads: number; steps: number; msPerStep: number; minMs: number; stepsPerSecond: number; vsPyTorch?: number; vsPyTorchFastest?: number; firstLosses: number[]; lossDiff: number };

function docSection(date: string, m: ReturnType<typeof machine>, rows: Result[], page: PageTraining | null, parts: Split, profile: Profile, torchVersion: string | undefined, blas: { libraries?: string[]; openblas?: boolean }): string {
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const torchLine = torchVersion
    ? `PyTorch ${torchVersion} (Debian's python3-torch), its matrix products in ${blas.openblas ? 'OpenBLAS' : 'the reference BLAS'} (${(blas.libraries ?? []).join(', ') || 'no BLAS library seen'}).`
    : `PyTorch was not installed, so there is no comparison (\`${INSTALL}\`).`;
  const pct = (x: number) => `${Math.round((100 * x) / profile.totalMs)}%`;
  return [
    '<!-- train:start -->',
    `Measured ${date.slice(0, 10)} on ${m.cpus} × ${m.model} (${m.memoryGiB} GiB), Node ${m.node}, onnxruntime 1.30.0 (web and node), \`npm run bench:train\` (one run). ${torchLine} The default preset at B = ${B}, T = ${T}, the same starting weights and the same batch (the copy task) on every row; one step is forward, backward, gradient clipping and AdamW, and for ours feeding the state in and reading it back. ${rows[0]?.steps ?? 0} warm steps per row, the rows taking turns in rounds; load average ${loadavg().map((x) => x.toFixed(1)).join(', ')} (1, 5, 15 minutes) at the end.`,
    '',
    '| backend | threads | ms per step (median) | steps/s | ours ÷ PyTorch, steps/s | fastest step | ours ÷ PyTorch, fastest steps | losses of steps 1, 2 |',
    '|---|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => {
      const ratio = (x: number | undefined) => (x === undefined || r.name === 'PyTorch' ? '' : `**${x.toFixed(2)}**`);
      return `| ${r.name} | ${r.threads} | ${ms(r.msPerStep)} | ${r.stepsPerSecond.toFixed(1)} | ${ratio(r.vsPyTorch)} | ${ms(r.minMs)} | ${ratio(r.vsPyTorchFastest)} | ${r.firstLosses.map((l) => l.toFixed(6)).join(', ')} |`;
    }),
    ...(page ? [pageRow(page, rows)] : []),
    ...(page ? ['', pageGap(page, rows), pageMemory(page)] : []),
    '',
    `Where our step's time goes. The step graph cut after the loss, after the gradient norm, and whole, each a session run on WASM at 1 thread, fastest of 60 runs each: forward only ${ms(parts.forwardMs)} ms, forward and backward ${ms(parts.forwardBackwardMs)} ms, the whole step ${ms(parts.stepMs)} ms (medians ${ms(parts.medians.forwardMs)}, ${ms(parts.medians.forwardBackwardMs)}, ${ms(parts.medians.stepMs)} ms). The optimiser is too small to separate from the spread between runs this way; the profile below separates it.`,
    `onnxruntime-web's own profile of the whole step (WASM, 1 thread; ${profile.kernels} kernels, each node's median over ${profile.steps} steps; the profiler slows every kernel, so read the shares): forward ${pct(profile.byPart.forward!)}, backward ${pct(profile.byPart.backward!)}, optimiser ${pct(profile.byPart.optimiser!)}; by op type:`,
    '',
    '| op | nodes | ms per step | share |',
    '|---|---:|---:|---:|',
    ...profile.byOp.slice(0, 10).map((o) => `| ${o.op} | ${o.nodes} | ${ms(o.ms)} | ${pct(o.ms)} |`),
    '<!-- train:end -->',
  ].join('\n');
}

/** The page's row: its steps per second over the whole of a panel run, against PyTorch's median at the same thread count. */
function pageRow(p: PageTraining, rows: Result[]): string {
  const torch = rows.find((r) => r.name === 'PyTorch' && r.threads === p.threads);
  const ms = 1000 / p.stepsPerSecond;
  return `| ours: the page (Training panel, WASM worker; views and snapshots included; steps ${p.markStep + TIMED_AFTER_MARK}–${p.steps}) | ${p.threads ?? '?'} | ${ms.toFixed(1)} | ${p.stepsPerSecond.toFixed(1)} | ${torch ? `**${(p.stepsPerSecond / torch.stepsPerSecond).toFixed(2)}**` : ''} |  |  |  |`;
}

/** The page's row against the same runtime in Node at its thread count. */
function pageGap(p: PageTraining, rows: Result[]): string {
  const web = rows.find((r) => r.name === BACKEND_NAME.web && r.threads === p.threads);
  if (!web) return '';
  return `The page trains at ${(p.stepsPerSecond / web.stepsPerSecond).toFixed(2)}× the steps per second of the same runtime in Node at ${p.threads} threads: besides the steps, its worker runs the views again on the new weights every 10 steps, takes a snapshot of the probe every ${Math.ceil(p.steps / 50)} steps, and posts the progress to the page, all on the one queue of runs.`;
}

/** The page's memory at the pause (about step 200) and after all the steps. */
function pageMemory(p: PageTraining): string {
  const mib = (b: number | null) => (b ? `${(b / 2 ** 20).toFixed(1)} MiB` : '—');
  const pct = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}%`);
  // The worker's heaps hold the step graph's session, the weights and moments: a leak per step shows there.
  // The page's heap holds the run's history by design (every step's report, 50 snapshots), which grows with the steps.
  const met = [p.growth.workerWasm, p.growth.workerJs].every((x) => x === null || Math.abs(x) <= 0.1);
  return `Memory of the page's run, paused at step ${p.markStep} and after step ${p.steps} (after a GC): worker WASM heap ${mib(p.at.mark.workerWasmBytes)} → ${mib(p.at.end.workerWasmBytes)} (${pct(p.growth.workerWasm)}), worker JS heap ${mib(p.at.mark.workerJsBytes)} → ${mib(p.at.end.workerJsBytes)} (${pct(p.growth.workerJs)}): target within 10%, **${met ? 'met' : 'missed'}**. The page's JS heap ${mib(p.at.mark.pageJsBytes)} → ${mib(p.at.end.pageJsBytes)} (${pct(p.growth.pageJs)}) holds the run's history for the charts and the timeline (every step's report, and the snapshots: ${p.markSnapshots} at the pause, ${p.endSnapshots} at the end), which grows with the steps by design.`;
}

const args = process.argv.slice(2);
if (flag(args, 'worker') === 'profile') {
  await profileWorker(flag(args, 'dir')!, Number(flag(args, 'steps')));
} else if (args.includes('--worker')) {
  await worker(flag(args, 'worker') as 'web' | 'node', Number(flag(args, 'threads')), flag(args, 'dir')!);
} else {
  await main();
}
