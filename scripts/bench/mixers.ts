/**
 * npm run bench [-- --quick] [--kinds a,b] [--max-t N]   (this part alone: npx tsx scripts/bench/mixers.ts …)
 * npm run bench:mixers -- --docs-only   (rewrites the tables from bench/results/latest.json, measuring nothing)
 *
 * How forward latency grows with sequence length, per token mixer, in one run: every mixer
 * without an explicit map (implicit or attribution), softmax attention, and the explicit-map mixers
 * with a fast path of their own (OWN_FAST_PATH), in a 1-layer model (d 64, 4 heads,
 * no positions, no feed-forward) compiled in fast mode. Each point is the fastest of several warm runs.
 *   - wasm:   onnxruntime-web's WASM backend in Node, one thread: the engine the page runs.
 *   - native: onnxruntime-node on the CPU, for comparison.
 * The exponent k of latency ∝ T^k is a least-squares fit on log-log over the points with
 * T ≥ 1024, and beside it the exponent against T·log T (latency ∝ (T·log T)^k: 1 for an exact
 * O(T log T) path such as the spectral mixer's FFT-style product, whose target is ≤ 1.2 there).
 * Results go to bench/results/latest.json and the table in docs/benchmarks.md (not with --quick).
 * With --kinds, a full run replaces only those mixers' rows of the previous latest.json (same
 * lengths) and keeps the others, each row with the date it was measured. Both backends are timed
 * by the runtime's timeRuns (src/runtime/ort.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { fitExponent, type Growth } from '../../src/analysis/scaling';
import { BLOCKS } from '../../src/blocks/registry';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { Runtime, timeRuns } from '../../src/runtime/ort';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { flag as flagOf, machine, root, writeResult, writeSection } from './results';

const args = process.argv.slice(2);
const flag = (name: string) => flagOf(args, name);
const quick = args.includes('--quick');
const maxT = Number(flag('max-t') ?? (quick ? 1024 : 8192));
const LENGTHS = [512, 1024, 2048, 4096, 8192].filter((t) => t <= maxT);
const only = flag('kinds')?.split(',');
/** Mixers with an explicit map whose fast path is not softmax attention's O(T²) over a mask: each gets its row. */
const OWN_FAST_PATH = ['prob_sparse', 'shifted_window', 'tokenformer', 'token_mixing_mlp'];
const kinds = only ?? ['softmax_attention', ...OWN_FAST_PATH, ...BLOCKS.filter((b) => b.slot === 'mixer' && b.map !== 'explicit').map((b) => b.kind)];
/** Warm runs per point; the fastest is kept, the run least disturbed by the rest of a shared 2-core machine. */
const RUNS = quick ? 3 : 7;

function model(kind: string, T: number): Spec {
  return {
    ...defaultSpec(),
    name: `bench ${kind}`,
    maxLen: T,
    position: { kind: 'nope', params: {} },
    layers: [{ ...defaultLayer(), mixer: { kind, params: {} }, ffn: { kind: 'none', params: {} } }],
  };
}

/** Ops with a WebGPU kernel, from the operator table shipped with the installed onnxruntime-web. */
const GPU_OPS = new Set(
  readFileSync(join(root, 'node_modules/onnxruntime-web/docs/webgpu-operators.md'), 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('| ') && /ai\.onnx\(/.test(l) && !/no GPU kernel/.test(l))
    .map((l) => l.split('|')[1]!.trim()),
);
const opNote = (op: string) => (GPU_OPS.has(op) ? op : op === 'Reshape' || op === 'Identity' ? `${op} (metadata / outputs)` : `**${op} (CPU fallback)**`);


interface Point {
  T: number;
  ms: number | null;
  error?: string;
}

type Backend = 'wasm' | 'native';

interface Row {
  kind: string;
  /** When this row was measured (a --kinds run keeps older rows). */
  date: string;
  ops: string[];
  wasm: Point[];
  native: Point[];
  /** Exponent of latency ∝ T^k. */
  exponent: Record<Backend, number | null>;
  /** Exponent of latency ∝ (T·log T)^k. */
  exponentTLogT: Record<Backend, number | null>;
}

interface Report {
  date: string;
  machine: ReturnType<typeof machine>;
  setup: string;
  lengths: number[];
  results: Row[];
}

/** The exponent over the points with T ≥ 1024, against T or T·log T. */
const exponentOf = (points: Point[], against: Growth) => fitExponent(points.filter((p): p is { T: number; ms: number } => p.ms !== null && p.T >= 1024), against);

const LATEST = join(root, 'bench/results/latest.json');

/** The stored report, each row with its date and both exponents refitted from its points. */
function storedReport(): Report {
  const prev = JSON.parse(readFileSync(LATEST, 'utf8')) as Report;
  return { ...prev, results: prev.results.map((r) => refit({ ...r, date: r.date ?? prev.date })) };
}

const refit = (r: Row): Row => ({
  ...r,
  exponent: { wasm: exponentOf(r.wasm, 'T'), native: exponentOf(r.native, 'T') },
  exponentTLogT: { wasm: exponentOf(r.wasm, 'TlogT'), native: exponentOf(r.native, 'TlogT') },
});

/** The rows of the previous full run with the same lengths, for a --kinds run to keep. */
function previousRows(): Row[] {
  if (!only || quick || !existsSync(LATEST)) return [];
  const prev = storedReport();
  return prev.lengths.join() === LENGTHS.join() ? prev.results : [];
}

async function main() {
  if (args.includes('--docs-only')) {
    writeDocs(storedReport());
    console.log('rewrote the mixer tables of docs/benchmarks.md from bench/results/latest.json');
    return;
  }
  const wasm = await Runtime.start({ ort: ortWeb, numThreads: 1, preferWebGpu: false });
  const date = new Date().toISOString();
  const results = previousRows();
  for (const kind of kinds) {
    const ops = new Set<string>();
    const row: Row = { kind, date, ops: [], wasm: [], native: [], exponent: { wasm: null, native: null }, exponentTLogT: { wasm: null, native: null } };
    for (const T of LENGTHS) {
      const graph = compile(model(kind, T), { T, mode: 'fast' });
      graph.nodes.forEach((n) => ops.add(n.op));
      const bytes = toOnnxBytes(graph);
      const tokens = Array.from({ length: T }, (_, i) => 2 + (i % 95));
      for (const backend of ['wasm', 'native'] as const) {
        try {
          let ms: number;
          if (backend === 'wasm') {
            const m = await wasm.load(bytes);
            try {
              ms = Math.min(...(await m.time(tokens, RUNS)).samplesMs);
            } finally {
              await m.release();
            }
          } else {
            const s = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
            const feeds = { tokens: new ortNode.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, T]) };
            try {
              ms = Math.min(...(await timeRuns(() => s.run(feeds), RUNS)).samplesMs);
            } finally {
              await s.release();
            }
          }
          row[backend].push({ T, ms });
          console.log(`${kind.padEnd(22)} ${backend.padEnd(6)} T=${String(T).padStart(5)}  ${ms.toFixed(2)} ms`);
        } catch (e) {
          const error = String((e as Error).message ?? e).split('\n')[0]!.slice(0, 120);
          row[backend].push({ T, ms: null, error });
          console.log(`${kind.padEnd(22)} ${backend.padEnd(6)} T=${String(T).padStart(5)}  failed: ${error}`);
        }
      }
    }
    row.ops = [...ops].sort();
    for (const backend of ['wasm', 'native'] as const) {
      row.exponent[backend] = exponentOf(row[backend], 'T');
      row.exponentTLogT[backend] = exponentOf(row[backend], 'TlogT');
    }
    const at = results.findIndex((r) => r.kind === kind);
    if (at >= 0) results[at] = row;
    else results.push(row);
    console.log(`${kind.padEnd(22)} exponent vs T: wasm ${row.exponent.wasm?.toFixed(2)}, native ${row.exponent.native?.toFixed(2)}; vs T·log T: wasm ${row.exponentTLogT.wasm?.toFixed(2)}, native ${row.exponentTLogT.native?.toFixed(2)}`);
  }

  const report: Report = {
    date,
    machine: machine(),
    setup: 'one layer, dModel 64, 4 heads, no positions, no feed-forward, fast mode, batch 1; fastest of 7 warm runs; one thread',
    lengths: LENGTHS,
    results,
  };
  writeResult('latest.json', report);
  if (!quick) writeDocs(report);
  console.log(`\nwrote bench/results/latest.json${quick ? '' : ' and docs/benchmarks.md'}`);
}

function writeDocs(report: Report) {
  const cell = (p: Point | undefined) => (!p ? '' : p.ms === null ? 'out of memory' : p.ms.toFixed(1));
  const exp = (k: number | null) => (k === null ? '—' : k.toFixed(2));
  const table = (backend: 'wasm' | 'native') =>
    [
      `| mixer | ${report.lengths.map((t) => `T = ${t}`).join(' | ')} | exponent (T) | exponent (T·log T) |`,
      `|---|${report.lengths.map(() => '---:').join('|')}|---:|---:|`,
      ...report.results.map((r) => `| \`${r.kind}\` | ${report.lengths.map((t) => cell(r[backend].find((p) => p.T === t))).join(' | ')} | ${exp(r.exponent[backend])} | ${exp(r.exponentTLogT[backend])} |`),
    ].join('\n');
  const day = (d: string) => d.slice(0, 10);
  const later = report.results.filter((r) => day(r.date) !== day(report.results[0]!.date));
  const body = [
    '<!-- bench:start -->',
    `Measured ${day(report.results[0]!.date)} on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}${later.length ? ` (re-measured ${day(report.date)} with \`--kinds\`: ${later.map((r) => `\`${r.kind}\``).join(', ')})` : ''}. ${report.setup}.`,
    '',
    'Exponents are least-squares slopes on log-log over T ≥ 1024: of latency against T (≈ 1 linear, 2',
    'quadratic) and against T·log T (1 for an exact O(T log T) path; the target for the spectral',
    'mixer is ≤ 1.2 there).',
    '',
    'Forward latency in ms, onnxruntime-web WASM (the page\'s engine):',
    '',
    table('wasm'),
    '',
    'The same graphs in native onnxruntime-node (CPU):',
    '',
    table('native'),
    '',
    "ONNX ops of each fast path, checked against onnxruntime-web's WebGPU operator table (an op",
    'without a WebGPU kernel would be marked as a CPU fallback; `test/graph/webgpuOps.test.ts` keeps',
    'every preset and block free of them):',
    '',
    ...report.results.map((r) => `- \`${r.kind}\`: ${r.ops.map(opNote).join(', ')}`),
    '<!-- bench:end -->',
  ].join('\n');
  writeSection('bench', body, 'Mixer scaling');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
