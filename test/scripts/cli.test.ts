// The command line as users run it (through tsx), and its files in native onnxruntime-node.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { toOnnxBytes } from '../../src/graph/onnx';
import { findPreset } from '../../src/presets';
import { defaultSpec } from '../../src/spec/defaults';
import { specToHash } from '../../src/spec/share';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { expectClose, nodeRuntime, weightsOf } from '../helpers';
import { referenceForward } from '../reference/forward64';

const dir = mkdtempSync(join(tmpdir(), 'tp-cli-'));
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');

function cli(script: 'export' | 'stats', ...args: string[]) {
  const r = spawnSync(tsx, [`scripts/cli/${script}.ts`, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run export', () => {
  it('writes a standard ONNX file that native onnxruntime-node runs with the same outputs as onnxruntime-web and the reference', async () => {
    const out = join(dir, 'default.onnx');
    const r = cli('export', '--out', out, '--seq-len', '12');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*default\.onnx: the default model, inspect mode, T = 12, 114,496 parameters/);

    const tokens = tokenize('native check', 128).ids;
    const session = await ortNode.InferenceSession.create(out);
    const native = await session.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(tokens, BigInt), [1, 12]) });
    expect(Object.keys(native).sort()).toEqual(['attn_entropy.0', 'attn_entropy.1', 'attn_probs.0', 'attn_probs.1', 'logits', 'resid_rms', 'sim_ffn.0', 'sim_ffn.1', 'sim_mixer.0', 'sim_mixer.1']);

    const web = await (await nodeRuntime()).load(readFileSync(out));
    const webOut = await web.run(tokens);
    await web.release();
    for (const [name, t] of Object.entries(native)) expectClose(t.data as Float32Array, webOut[name]!.data, 1e-5, `native vs web ${name}`);

    const ref = referenceForward(defaultSpec(), weightsOf(compile(defaultSpec(), { T: 12, mode: 'inspect' })), tokens, VOCAB_SIZE);
    expectClose(native['logits']!.data as Float32Array, ref.logits, 1e-4, 'native logits vs reference');
  });

  it('gives byte-identical files for the same spec, whether from the default, a config file or a share link', () => {
    const a = join(dir, 'a.onnx');
    const b = join(dir, 'b.onnx');
    const c = join(dir, 'c.onnx');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify(defaultSpec(), null, 2));
    expect(cli('export', '--out', a, '--mode', 'fast', '--seq-len', '20').code).toBe(0);
    expect(cli('export', config, '--out', b, '--mode', 'fast', '--seq-len', '20').code).toBe(0);
    expect(cli('export', `http://localhost:5173/#${specToHash(defaultSpec())}`, '--out', c, '--mode', 'fast', '--seq-len', '20').code).toBe(0);
    const bytes = readFileSync(a);
    expect(readFileSync(b).equals(bytes)).toBe(true);
    expect(readFileSync(c).equals(bytes)).toBe(true);
    // and the graph inside is exactly the compiler's
    const graphOnly = toOnnxBytes(compile(defaultSpec(), { T: 20, mode: 'fast' }));
    expect(bytes.length).toBeGreaterThan(graphOnly.length); // plus the metadata
  });

  it('exports a batched graph with --batch: tokens [B, T], each row of logits the reference of that row alone', async () => {
    const out = join(dir, 'batch.onnx');
    const r = cli('export', '--out', out, '--mode', 'fast', '--seq-len', '8', '--batch', '3');
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/fast mode, T = 8, B = 3, /);
    const rows = ['batch on', 'the CLI.', 'rows: 3!'].map((t) => tokenize(t, 128).ids);
    const session = await ortNode.InferenceSession.create(out);
    const native = await session.run({ tokens: new ortNode.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [3, 8]) });
    expect(native['logits']!.dims).toEqual([3, 8, VOCAB_SIZE]);
    const weights = weightsOf(compile(defaultSpec(), { T: 8, mode: 'fast' }));
    rows.forEach((tokens, i) => {
      const logits = (native['logits']!.data as Float32Array).subarray(i * 8 * VOCAB_SIZE, (i + 1) * 8 * VOCAB_SIZE);
      expectClose(logits, referenceForward(defaultSpec(), weights, tokens, VOCAB_SIZE).logits, 1e-4, `row ${i}`);
    });
    expect(readFileSync(out).toString('latin1')).toContain('transformer_playground.batch');
  });

  it('exports a preset, with the spec in the file metadata', async () => {
    const out = join(dir, 'rms.onnx');
    expect(cli('export', '--preset', 'rmsnorm', '--out', out, '--mode', 'fast').code).toBe(0);
    const session = await ortNode.InferenceSession.create(out);
    expect(session.outputNames).toEqual(['logits']);
    const text = readFileSync(out).toString('latin1');
    expect(text).toContain('transformer_playground.spec');
    expect(text).toContain(JSON.stringify(findPreset('rmsnorm')!.spec()));
  });
});

describe('npm run stats', () => {
  it('prints parameters, FLOPs at T, activation bytes and a per-block breakdown', () => {
    const r = cli('stats', '--seq-len', '10');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    // Counted by hand in test/graph/cost.test.ts.
    expect(s).toMatchObject({ mode: 'fast', T: 10, params: 114496, flops: 2_210_930 });
    expect(s.activationBytes).toBeGreaterThan(0);
    const scopes = s.blocks.map((b: { scope: string }) => b.scope);
    expect(scopes).toEqual(expect.arrayContaining(['embedding', 'layer 0 · mixer: softmax_attention', 'layer 1 · ffn: mlp', 'unembedding']));
    expect(s.blocks.reduce((t: number, b: { flops: number }) => t + b.flops, 0)).toBe(s.flops);
    expect(s.blocks.reduce((t: number, b: { params: number }) => t + b.params, 0)).toBe(s.params);
  });

  it('reads a preset and the inspect mode', () => {
    const s = JSON.parse(cli('stats', '--preset', 'post-ln', '--mode', 'inspect', '--seq-len', '4').stdout);
    expect(s).toMatchObject({ name: 'Post-LN decoder', mode: 'inspect', T: 4 });
    // attn_probs, attn_entropy, logits, resid_rms, and per run the similarity probes sim_mixer, sim_ffn [1, T].
    expect(s.outputBytes).toBe(4 * (2 * 4 * 16 + 2 * 4 * 4 + 4 * VOCAB_SIZE + 3 * 4 + 2 * 2 * 4));
  });
});

describe('refusals', () => {
  const config = (patch: object) => {
    const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify({ ...defaultSpec(), ...patch }));
    return file;
  };

  it.each([
    ['an out-of-range field', () => ['stats', config({ dModel: 4096 })], 1, /dModel: must be a whole number from 8 to 1024, got 4096/],
    ['a bad block parameter', () => ['stats', config({ layers: [{ ...defaultSpec().layers[0], ffn: { kind: 'mlp', params: { expansion: 0 } } }] })], 1, /layers\.0\.ffn: MLP: parameter "expansion" must be a whole number from 1 to 8, got 0/],
    ['a future format', () => ['stats', config({ version: 9 })], 1, /version: this configuration is format 9/],
    ['malformed JSON', () => { const f = join(dir, 'broken.json'); writeFileSync(f, '{"version": 2, '); return ['stats', f]; }, 1, /not valid JSON/],
    ['a missing file', () => ['stats', join(dir, 'nope.json')], 1, /no such file/],
    ['a damaged link', () => ['stats', 'http://localhost/#c=N4Ig'], 1, /link/],
    ['an unknown preset', () => ['stats', '--preset', 'gpt5'], 2, /no preset "gpt5" \(known: default, gpt2-small, post-ln, peri-ln, rmsnorm, llama-style, .*\)/],
    ['a sequence too long', () => ['stats', '--seq-len', '999'], 2, /--seq-len must be a whole number from 1 to the model's maxLen \(128\), got "999"/],
    ['a bad mode', () => ['stats', '--mode', 'turbo'], 2, /--mode must be "inspect" or "fast"/],
    ['a training mode in stats', () => ['stats', '--mode', 'train'], 2, /--mode must be "inspect" or "fast", got "train"/],
    ['a bad export mode', () => ['export', '--out', join(dir, 'm.onnx'), '--mode', 'turbo'], 2, /--mode must be "inspect", "fast", "decode", "grad" or "train", got "turbo"/],
    ['a batch of 0', () => ['export', '--out', join(dir, 'b0.onnx'), '--batch', '0'], 2, /--batch must be a whole number from 1 to 1024, got "0"/],
    ['a fractional batch', () => ['stats', '--batch', '2.5'], 2, /--batch must be a whole number from 1 to 1024, got "2.5"/],
    ['export without --out', () => ['export'], 2, /--out FILE is required/],
  ] as const)('%s exits non-zero with a message naming it', (_what, args, code, message) => {
    const [script, ...rest] = args();
    const r = cli(script as 'export' | 'stats', ...rest);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
