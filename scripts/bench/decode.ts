/**
 * npm run bench [-- --quick] [--kinds a,b] [--max-t N]   (this part alone: npx tsx scripts/bench/decode.ts …)
 * npx tsx scripts/bench/decode.ts --docs-only   (rewrites the table from bench/results/decode.json)
 *
 * Prefill against decode, per token mixer, in one run: for context lengths L, one decode step at
 * position L − 1 on the decode graph of capacity L (the state at zero: its values do not change the
 * time of a step; workers/decodeLatency.ts, as the page measures it) and, at the same L, the
 * forward pass over L tokens (prefill). The model is the mixer benchmark's (scripts/bench/mixers.ts):
 * one layer, d 64, 4 heads, no positions, no feed-forward; onnxruntime-web's WASM backend in Node,
 * one thread; each point the fastest of several warm runs. The exponent k of time ∝ L^k is a
 * least-squares fit on log-log over L ≥ 1024. Mixers that cannot decode (bidirectional, spectral,
 * ProbSparse) are listed with the reason. Mixers with no decode form of their own run the generic
 * one (src/decode/generic.ts: the context recomputed at every step), which the table says.
 * Results go to bench/results/decode.json and the table in docs/benchmarks.md (not with --quick);
 * with --kinds, a full run replaces only those mixers' rows and keeps the others.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortWeb from 'onnxruntime-web';
import { fitExponent } from '../../src/analysis/scaling';
import { BLOCKS, findBlock } from '../../src/blocks/registry';
import { compile, SpecError } from '../../src/compiler/compile';
import { decodeFormOf } from '../../src/decode/forms';
import { toOnnxBytes } from '../../src/graph/onnx';
import { Runtime, type InputTensor } from '../../src/runtime/ort';
import { defaultLayer, defaultSpec } from '../../src/spec/defaults';
import type { Spec } from '../../src/spec/types';
import { decodeStepInputs } from '../../workers/decodeLatency';
import { flag as flagOf, machine, root, writeResult, writeSection } from './results';

const args = process.argv.slice(2);
const flag = (name: string) => flagOf(args, name);
const quick = args.includes('--quick');
const maxT = Number(flag('max-t') ?? (quick ? 1024 : 4096));
const LENGTHS = [256, 512, 1024, 2048, 4096, 8192].filter((t) => t <= maxT);
const only = flag('kinds')?.split(',');
const kinds = only ?? BLOCKS.filter((b) => b.slot === 'mixer').map((b) => b.kind);
const RUNS = quick ? 3 : 11;
const FILE = join(root, 'bench/results/decode.json');

function model(kind: string, L: number): Spec {
  return {
    ...defaultSpec(),
    name: `bench ${kind}`,
    maxLen: L,
    position: { kind: 'nope', params: {} },
    layers: [{ ...defaultLayer(), mixer: { kind, params: {} }, ffn: { kind: 'none', params: {} } }],
  };
}

interface Point {
  L: number;
  decodeMs: number | null;
  prefillMs: number | null;
  error?: string;
}

interface Row {
  kind: string;
  date: string;
  /** 'declared' (the block's own cache or state), 'generic' (recomputed), or why it cannot decode. */
  form: string;
  points: Point[];
  decodeExponent: number | null;
  prefillExponent: number | null;
}

interface Report {
  date: string;
  machine: ReturnType<typeof machine>;
  setup: string;
  lengths: number[];
  results: Row[];
}

const exponentOf = (points: Point[], key: 'decodeMs' | 'prefillMs') =>
  fitExponent(points.filter((p) => p[key] !== null && p.L >= 1024).map((p) => ({ T: p.L, ms: p[key]! })));

/** The fastest of RUNS warm runs of `bytes` on `inputs`. */
async function fastest(rt: Runtime, bytes: Uint8Array, inputs: InputTensor[]): Promise<number> {
  const m = await rt.load(bytes);
  try {
    return Math.min(...(await m.timeInputs(inputs, RUNS)).samplesMs);
  } finally {
    await m.release();
  }
}

async function main() {
  if (args.includes('--docs-only')) {
    writeDocs(JSON.parse(readFileSync(FILE, 'utf8')) as Report);
    console.log('rewrote the decode table of docs/benchmarks.md from bench/results/decode.json');
    return;
  }
  const rt = await Runtime.start({ ort: ortWeb, numThreads: 1, preferWebGpu: false });
  const date = new Date().toISOString();
  const prev = only && !quick && existsSync(FILE) ? (JSON.parse(readFileSync(FILE, 'utf8')) as Report) : null;
  const results = prev && prev.lengths.join() === LENGTHS.join() ? prev.results : [];
  for (const kind of kinds) {
    const block = findBlock('mixer', kind)!;
    const resolved = decodeFormOf(block, { ...block.defaults }, { kind: 'nope', params: {} });
    const row: Row = { kind, date, form: 'none' in resolved ? `cannot decode: ${resolved.none}` : resolved.kind, points: [], decodeExponent: null, prefillExponent: null };
    if (!('none' in resolved))
      for (const L of LENGTHS) {
        const point: Point = { L, decodeMs: null, prefillMs: null };
        try {
          const dec = compile(model(kind, L), { T: L, mode: 'decode' });
          point.decodeMs = await fastest(rt, toOnnxBytes(dec), decodeStepInputs(dec, L));
          const fwd = compile(model(kind, L), { T: L, mode: 'fast' });
          const tokens = BigInt64Array.from({ length: L }, (_, i) => BigInt(2 + (i % 95)));
          point.prefillMs = await fastest(rt, toOnnxBytes(fwd), [{ name: 'tokens', dims: [1, L], data: tokens }]);
        } catch (e) {
          if (e instanceof SpecError) row.form = `cannot decode: ${e.errors[0]}`;
          point.error = String((e as Error).message ?? e).split('\n')[0]!.slice(0, 120);
        }
        row.points.push(point);
        console.log(`${kind.padEnd(22)} L=${String(L).padStart(5)}  decode ${point.decodeMs?.toFixed(3) ?? '—'} ms  prefill ${point.prefillMs?.toFixed(2) ?? '—'} ms${point.error ? `  (${point.error})` : ''}`);
      }
    row.decodeExponent = exponentOf(row.points, 'decodeMs');
    row.prefillExponent = exponentOf(row.points, 'prefillMs');
    console.log(`${kind.padEnd(22)} ${row.form}: exponent decode ${row.decodeExponent?.toFixed(2) ?? '—'}, prefill ${row.prefillExponent?.toFixed(2) ?? '—'}`);
    const at = results.findIndex((r) => r.kind === kind);
    if (at >= 0) results[at] = row;
    else results.push(row);
  }
  const report: Report = {
    date,
    machine: machine(),
    setup: `one layer, dModel 64, 4 heads, no positions, no feed-forward, batch 1; decode: one step at position L − 1 of the decode graph of capacity L; prefill: the fast graph at T = L; fastest of ${RUNS} warm runs; onnxruntime-web WASM in Node, one thread`,
    lengths: LENGTHS,
    results,
  };
  writeResult('decode.json', report);
  if (!quick) writeDocs(report);
  console.log(`\nwrote bench/results/decode.json${quick ? '' : ' and docs/benchmarks.md'}`);
}

function writeDocs(report: Report) {
  const ms = (v: number | null | undefined) => (v === null || v === undefined ? '—' : v < 1 ? v.toFixed(3) : v.toFixed(2));
  const exp = (k: number | null) => (k === null ? '—' : k.toFixed(2));
  const decodes = report.results.filter((r) => !r.form.startsWith('cannot'));
  const refused = report.results.filter((r) => r.form.startsWith('cannot'));
  const day = (d: string) => d.slice(0, 10);
  const body = [
    '<!-- decode:start -->',
    `Measured ${day(report.date)} on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node} (\`npx tsx scripts/bench/decode.ts\`; rows measured on other days: ${report.results.filter((r) => day(r.date) !== day(report.date)).map((r) => `\`${r.kind}\` ${day(r.date)}`).join(', ') || 'none'}). ${report.setup}.`,
    '',
    'Decode: ms per token at context length L (one step with a cache or state of L tokens). Form: `declared` is the block\'s own cache or',
    'recurrent state; `generic` recomputes the context at every step (src/decode/generic.ts), so it grows like the forward pass. Exponents',
    'are least-squares slopes on log-log over L ≥ 1024, of the decode step and of the prefill (forward pass over L tokens) measured in the same run.',
    '',
    `| mixer | form | ${report.lengths.map((L) => `L = ${L}`).join(' | ')} | exponent, decode | exponent, prefill |`,
    `|---|---|${report.lengths.map(() => '---:').join('|')}|---:|---:|`,
    ...decodes.map((r) => `| \`${r.kind}\` | ${r.form} | ${report.lengths.map((L) => ms(r.points.find((p) => p.L === L)?.decodeMs)).join(' | ')} | ${exp(r.decodeExponent)} | ${exp(r.prefillExponent)} |`),
    ...(refused.length ? ['', `Cannot decode token by token: ${refused.map((r) => `\`${r.kind}\` (${r.form.replace(/^cannot decode: /, '')})`).join('; ')}.`] : []),
    '<!-- decode:end -->',
  ].join('\n');
  writeSection('decode', body, 'Prefill against decode');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
