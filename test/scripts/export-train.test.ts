// The exported train graph runs as docs/graph-outputs.md says, in native onnxruntime-node: its
// weights start from the initialisers of the fast export of the same spec (read from that file, not
// from our code), the moments from zeros, σReparam's sigma_u from each weight's top left singular
// vector (float64 power iteration here). The first step's loss and accuracy equal cross-entropy and
// accuracy computed in float64 from the fast export's logits, and three steps lower the loss.
// scripts/python/train_steps.py is the same recipe in Python; it runs here when a Python with
// onnxruntime is present (Debian has no python3-onnxruntime; this test's TypeScript mirror always runs).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/presets';
import { VOCAB_SIZE } from '../../src/spec/vocab';
import { rng } from '../train/run';

const dir = mkdtempSync(join(tmpdir(), 'tp-export-train-'));
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const T = 8;
const B = 2;

function exportFile(...args: string[]): string {
  const out = join(dir, `${args.join('_').replace(/[^a-z0-9]+/gi, '-')}.onnx`);
  const r = spawnSync(tsx, ['scripts/cli/export.ts', ...args, '--out', out], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return out;
}

/** Initialisers of an ONNX file, decoded with onnx-proto (float32, little-endian raw data). */
function initialisers(file: string): Map<string, { dims: number[]; data: Float32Array }> {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const out = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const t of model.graph!.initializer!) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    const raw = t.rawData!;
    const bytes = new Uint8Array(raw.byteLength);
    bytes.set(raw);
    out.set(t.name!, { dims: t.dims!.map(Number), data: new Float32Array(bytes.buffer) });
  }
  return out;
}

/** Input shapes and metadata of an ONNX file. */
function inputsAndMetadata(file: string) {
  const model = onnx.ModelProto.decode(readFileSync(file));
  const inputs = new Map(model.graph!.input!.map((i) => [i.name!, i.type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue))]));
  const metadata = Object.fromEntries(model.metadataProps!.map((p) => [p.key!, p.value!]));
  return { inputs, metadata };
}

/** Top left singular vector of a [rows, cols] matrix: power iteration on W Wᵀ in float64. */
function topLeftSingular(w: Float32Array, rows: number, cols: number): Float32Array {
  let u = Array.from({ length: rows }, (_, i) => 1 + Math.sin(i + 1));
  for (let it = 0; it < 500; it++) {
    const v = Array.from({ length: cols }, (_, j) => u.reduce((s, ui, i) => s + ui * w[i * cols + j]!, 0));
    const next = Array.from({ length: rows }, (_, i) => v.reduce((s, vj, j) => s + w[i * cols + j]! * vj, 0));
    const norm = Math.hypot(...next);
    u = next.map((x) => x / norm);
  }
  return Float32Array.from(u);
}

/** Masked next-token cross-entropy and accuracy from logits [B, T, V], in float64 (the docs' definitions). */
function lossAndAccuracy(logits: Float32Array[], targets: number[][], mask: number[][]) {
  let loss = 0;
  let right = 0;
  let count = 0;
  logits.forEach((row, b) => {
    for (let t = 0; t < T; t++) {
      if (!mask[b]![t]) continue;
      const z = Array.from(row.subarray(t * VOCAB_SIZE, (t + 1) * VOCAB_SIZE));
      const max = Math.max(...z);
      const logSum = max + Math.log(z.reduce((s, x) => s + Math.exp(x - max), 0));
      const target = z[targets[b]![t]!]!;
      loss += logSum - target;
      right += target >= max ? 1 : 0;
      count++;
    }
  });
  return { loss: loss / count, accuracy: right / count };
}

describe('npm run export -- --mode train', () => {
  it.each(['default', 'sigma-reparam'])('%s: starts from the fast export\'s weights, step 1 matches the float64 loss, three steps lower it', async (preset) => {
    const fastFile = exportFile('--preset', preset, '--mode', 'fast'); // at the model's maxLen: weights do not depend on T or B
    const trainFile = exportFile('--preset', preset, '--mode', 'train', '--seq-len', String(T), '--batch', String(B));
    const init = initialisers(fastFile);
    const { inputs, metadata } = inputsAndMetadata(trainFile);
    expect(metadata['transformer_playground.mode']).toBe('train');
    expect(JSON.parse(metadata['transformer_playground.spec']!)).toEqual(findPreset(preset)!.spec());
    expect(JSON.parse(metadata['transformer_playground.optimizer']!)).toMatchObject({ algorithm: 'AdamW', beta1: 0.9, beta2: 0.99, weight_decay: 0.01, clip_norm: 1 });

    // The state, as scripts/python/train_steps.py builds it.
    const state = new Map<string, Float32Array>();
    for (const [name, dims] of inputs) {
      const w = init.get(name);
      if (w) {
        expect(w.dims, name).toEqual(dims);
        state.set(name, w.data);
      } else if (name.startsWith('adam_')) state.set(name, new Float32Array(dims.reduce((a, b) => a * b, 1)));
      else if (name.startsWith('sigma_u.')) {
        const m = init.get(name.slice('sigma_u.'.length))!;
        state.set(name, topLeftSingular(m.data, m.dims[0]!, m.dims[1]!));
      } else expect(['tokens', 'targets', 'loss_mask', 'step', 'lr'], `an input the docs do not name: ${name}`).toContain(name);
    }
    expect([...state.keys()].some((n) => n.startsWith('sigma_u.'))).toBe(preset === 'sigma-reparam');

    const random = rng(7);
    const tokens = Array.from({ length: B }, () => Array.from({ length: T }, () => 1 + Math.floor(random() * (VOCAB_SIZE - 1))));
    const targets = tokens.map((row) => row.map((_, t) => row[(t + 1) % T]!)); // the next token, wrapping round
    const mask = tokens.map((row) => row.map((_, t) => (t === 0 ? 0 : 1))); // position 0 not scored
    const batch = {
      tokens: new ort.Tensor('int64', BigInt64Array.from(tokens.flat(), BigInt), [B, T]),
      targets: new ort.Tensor('int64', BigInt64Array.from(targets.flat(), BigInt), [B, T]),
      loss_mask: new ort.Tensor('float32', Float32Array.from(mask.flat()), [B, T]),
    };
    const session = await ort.InferenceSession.create(trainFile);
    expect(session.outputNames.filter((n) => n.startsWith('next.')).sort()).toEqual([...state.keys()].map((n) => `next.${n}`).sort());
    const losses: number[] = [];
    for (let step = 1; step <= 3; step++) {
      const feeds: Record<string, ort.Tensor> = { ...batch, step: new ort.Tensor('float32', Float32Array.of(step), []), lr: new ort.Tensor('float32', Float32Array.of(1e-2), []) };
      for (const [name, data] of state) feeds[name] = new ort.Tensor('float32', data, inputs.get(name)!);
      const out = await session.run(feeds);
      for (const name of state.keys()) state.set(name, out[`next.${name}`]!.data as Float32Array);
      losses.push((out['loss']!.data as Float32Array)[0]!);
      if (step === 1) {
        // The fast export, one row at a time at its own T (the model is causal: positions < 8 see only tokens < 8).
        const fast = await ort.InferenceSession.create(fastFile);
        const maxLen = findPreset(preset)!.spec().maxLen;
        const logits: Float32Array[] = [];
        for (const row of tokens) {
          const padded = BigInt64Array.from([...row, ...Array<number>(maxLen - T).fill(0)], BigInt);
          logits.push(((await fast.run({ tokens: new ort.Tensor('int64', padded, [1, maxLen]) }))['logits']!.data as Float32Array).slice(0, T * VOCAB_SIZE));
        }
        await fast.release();
        const ref = lossAndAccuracy(logits, targets, mask);
        expect(Math.abs(losses[0]! - ref.loss)).toBeLessThanOrEqual(1e-4 * Math.max(1, ref.loss));
        expect((out['accuracy']!.data as Float32Array)[0]).toBeCloseTo(ref.accuracy, 6);
      }
    }
    await session.release();
    expect(losses[1]).toBeLessThan(losses[0]!);
    expect(losses[2]).toBeLessThan(losses[1]!);
  });

  const pythonWithOrt = ['python3', '/usr/bin/python3'].find((c) => spawnSync(c, ['-c', 'import onnx, onnxruntime, numpy'], { stdio: 'ignore' }).status === 0);
  it.skipIf(!pythonWithOrt)('scripts/python/train_steps.py runs three steps and the loss falls (when Python has onnxruntime)', () => {
    const fastFile = exportFile('--mode', 'fast');
    const trainFile = exportFile('--mode', 'train', '--seq-len', String(T), '--batch', String(B));
    const r = spawnSync(pythonWithOrt!, ['scripts/python/train_steps.py', fastFile, trainFile], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const losses = [...r.stdout.matchAll(/loss (\d+\.\d+)/g)].map((m) => Number(m[1]));
    expect(losses).toHaveLength(3);
    expect(losses[2]).toBeLessThan(losses[0]!);
  });

  it('the docs show scripts/python/train_steps.py as it is', () => {
    expect(readFileSync('docs/graph-outputs.md', 'utf8')).toContain(readFileSync('scripts/python/train_steps.py', 'utf8').trim());
  });
});
