/**
 * npm run bench:weights [-- --only-default]: run time of the inspect and the fast graph with their
 * weights as graph inputs (docs/graph-outputs.md) against the same graph with them baked in as
 * initialisers, for the default preset and gpt2-small, on onnxruntime-web's WASM backend in Node,
 * one thread, T = 64. Sessions are made as the page makes them (inspect without graph
 * optimisations, fast with all), the weights fed once (`setWeights`) before the timed runs.
 * Timed by the runtime's timeRuns (src/runtime/ort.ts), in three rounds that alternate baked and
 * inputs (each round one warm-up run), after 100 runs that warm the module; medians of all runs.
 * Also the time to make a session, which a seed edit with baked weights pays and one with weights
 * as inputs does not, and the time to draw and feed a seed's weights, which it pays instead.
 * Results: bench/results/weights.json and docs/benchmarks.md between <!-- weights:start/end -->.
 */
import * as ort from 'onnxruntime-web';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { clearWeightCache } from '../../src/graph/init';
import { findPreset } from '../../src/presets';
import { Runtime } from '../../src/runtime/ort';
import { median } from '../../src/analysis/spread';
import { tokenize } from '../../src/spec/vocab';
import { seedWeights } from '../../workers/analyse';
import { machine, writeResult, writeSection } from './results';

const T = 64;
const PRESETS = [
  { id: 'default', runs: 60 },
  { id: 'gpt2-small', runs: 6 },
];

interface Row {
  preset: string;
  params: number;
  mode: 'inspect' | 'fast';
  runs: number;
  bakedMs: number;
  inputsMs: number;
  /** Making the baked session (serialising included): what a seed edit with baked weights pays. */
  bakedCreateMs: number;
  /** Drawing the seed's weights (a cold cache) and feeding them: what a seed edit with weights as inputs pays. */
  feedMs: number;
}

const only = process.argv.includes('--only-default');
const rt = await Runtime.start({ ort, numThreads: 1, preferWebGpu: false });
// Warm the module first: its first runs are slower while V8 tiers up the WebAssembly code.
const warm = await rt.load(toOnnxBytes(compile(findPreset('default')!.spec(), { T, mode: 'fast' })));
await warm.time(Array.from({ length: T }, (_, i) => 2 + (i % 90)), 100);
await warm.release();
const rows: Row[] = [];
for (const { id, runs } of only ? PRESETS.slice(0, 1) : PRESETS) {
  const spec = findPreset(id)!.spec();
  const tokens = tokenize('The cat sat on the mat because it was warm. '.repeat(4), spec.maxLen).ids.slice(0, T);
  for (const mode of ['inspect', 'fast'] as const) {
    const optimize = mode === 'fast';
    clearWeightCache();
    let t0 = performance.now();
    const baked = await rt.load(toOnnxBytes(compile(spec, { T, mode })), { optimize });
    const bakedCreateMs = performance.now() - t0;
    const lifted = await rt.load(toOnnxBytes(compile(spec, { T, mode, weights: 'inputs' })), { optimize });
    clearWeightCache();
    t0 = performance.now();
    const weights = seedWeights({ ...spec, seed: spec.seed + 1 }, T, mode);
    await lifted.setWeights(weights);
    const feedMs = performance.now() - t0;
    // Alternating rounds, so the machine's other work falls on both alike.
    const samples = { baked: [] as number[], inputs: [] as number[] };
    for (let round = 0; round < 3; round++) {
      samples.baked.push(...(await baked.time(tokens, Math.ceil(runs / 3))).samplesMs);
      samples.inputs.push(...(await lifted.time(tokens, Math.ceil(runs / 3))).samplesMs);
    }
    await baked.release();
    await lifted.release();
    const params = weights.reduce((s, w) => s + w.data.length, 0);
    const row: Row = { preset: id, params, mode, runs: samples.baked.length, bakedMs: median(samples.baked), inputsMs: median(samples.inputs), bakedCreateMs, feedMs };
    console.log(JSON.stringify(row));
    rows.push(row);
  }
}

const m = machine();
const date = new Date().toISOString();
writeResult('weights.json', { date, machine: m, T, threads: 1, rows });
const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(0));
const body = [
  '<!-- weights:start -->',
  `Measured ${date.slice(0, 10)} on ${m.cpus} × ${m.model} (${m.memoryGiB} GiB), Node ${m.node}, onnxruntime-web WASM, 1 thread, T = ${T}, \`npm run bench:weights\` (one run; medians of warm runs).`,
  '',
  '| preset (parameters) | graph | baked run | weights as inputs run | inputs / baked | make a baked session | draw and feed a seed\'s weights |',
  '|---|---|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.preset} (${r.params.toLocaleString('en')}) | ${r.mode} (${r.runs} runs) | ${ms(r.bakedMs)} ms | ${ms(r.inputsMs)} ms | **${(r.inputsMs / r.bakedMs).toFixed(2)}** | ${ms(r.bakedCreateMs)} ms | ${ms(r.feedMs)} ms |`),
  '<!-- weights:end -->',
].join('\n');
if (!only) writeSection('weights', body, 'Weights as graph inputs');
console.log(body);
