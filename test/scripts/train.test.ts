// npm run train as users run it (through tsx): progress as JSON lines, a trained model file whose
// weights really are the trained ones (its logits equal the float64 reference run on the weights
// read back from the file, and differ from the untrained model's), the recipe in its metadata,
// and clear refusals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as onnxProto from 'onnx-proto';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { VOCAB_SIZE } from '../../src/spec/vocab';
import { expectClose, weightsOf } from '../helpers';
import { referenceForward } from '../reference/forward64';

const { onnx } = (onnxProto as unknown as { default?: typeof onnxProto }).default ?? onnxProto;
const dir = mkdtempSync(join(tmpdir(), 'tp-train-'));
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
const run = (...args: string[]) => {
  const r = spawnSync(tsx, ['scripts/cli/train.ts', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

describe('npm run train', () => {
  it('trains, reports as it goes, and writes the trained model with its recipe', async () => {
    const out = join(dir, 'copy.onnx');
    const r = run('--task', 'copy', '--task-params', '{"maxLen": 4}', '--steps', '30', '--batch', '4', '--eval-every', '10', '--seed', '3', '--json', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]!['event']).toBe('start');
    const steps = lines.filter((l) => l['event'] === 'step');
    expect(steps.map((s) => s['step'])).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(steps.every((s) => Number.isFinite(s['loss']) && (s['accuracy'] as number) >= 0 && (s['accuracy'] as number) <= 1)).toBe(true);
    expect(lines.filter((l) => l['event'] === 'eval').map((e) => e['step'])).toEqual([10, 20, 30]);
    expect(lines[lines.length - 1]!['event']).toBe('done');

    // The file: its metadata, and its weights read back from it.
    const model = onnx.ModelProto.decode(readFileSync(out));
    const meta = Object.fromEntries(model.metadataProps.map((p) => [p.key, p.value]));
    const recipe = JSON.parse(meta['transformer_playground.recipe']!) as Record<string, unknown>;
    expect(recipe).toMatchObject({ task: 'copy', taskParams: { maxLen: 4 }, steps: 30, batch: 4, seed: 3, stepsTaken: 30 });
    const checked = validateSpec(JSON.parse(meta['transformer_playground.spec']!) as Spec);
    if (!checked.ok) throw new Error(checked.errors.join('\n'));
    const spec = checked.spec;
    const stored = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
    const fromFile = (name: string) => {
      const t = stored.get(name);
      if (!t) throw new Error(`no weight ${name} in the file`);
      const raw = t.rawData!;
      return Float64Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)));
    };
    const untrained = weightsOf(compile(spec, { T: 8, mode: 'fast' }));
    expect(Array.from(fromFile('layers.0.mixer.wq'))).not.toEqual(Array.from(untrained('layers.0.mixer.wq')));

    const tokens = [2, 40, 41, 42, 93, 40, 41, 42];
    const session = await ortNode.InferenceSession.create(out);
    const padded = [...tokens, ...new Array<number>(spec.maxLen - tokens.length).fill(0)];
    const res = await session.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(padded, BigInt), [1, spec.maxLen]) });
    const ref = referenceForward(spec, fromFile, padded, VOCAB_SIZE);
    expectClose(res['logits']!.data as Float32Array, ref.logits, 1e-4, 'trained logits vs the reference on the file’s weights');
    expect(Object.keys(res)).toContain('attn_probs.0');
  }, 300_000);

  it('refuses what it cannot do, saying why', () => {
    expect(run('--steps', '5').stderr).toMatch(/--task KIND is required/);
    expect(run('--task', 'nope').stderr).toMatch(/no task "nope" \(known: copy,/);
    expect(run('--task', 'copy', '--task-params', '{maxLen: 4}').stderr).toMatch(/--task-params must be a JSON object/);
    expect(run('--task', 'copy', '--task-params', '{"maxLen": 500}').stderr).toMatch(/maxLen/);
    expect(run('--task', 'copy', '--seq-len', '3').stderr).toMatch(/T|length/);
    expect(run('--task', 'copy', '--lr', 'fast').stderr).toMatch(/--lr must be a number/);
    expect(run('--task', 'copy', '--mode', 'train').stderr).toMatch(/--mode/);
    // Too big to train in the memory budget: refused before compiling, with the numbers and a way out.
    expect(run('--preset', 'gpt2-small', '--task', 'copy', '--batch', '64').stderr).toMatch(/needs about [\d.]+ GiB, over the 2 GiB budget \(weights .*\): .*use .*fits/);
  }, 300_000);
});
