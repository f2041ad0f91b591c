// Multi-scale retention (RetNet): both modes against the float64 recurrence (torchscale's recurrent
// form without GroupNorm and gate), the exact map (causal zeros), chunk sizes that do not divide T,
// RoPE through the position block, long sequences in the chunked form, linearity, refusals.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { retentionGammas, retnetAngles } from '../../src/blocks/retention';
import { mat } from '../reference/math';
import { retnetRotate } from './retention.ref';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import { toOnnxBytes } from '../../src/graph/onnx';
import { validateSpec } from '../../src/spec/schema';
import { tokenize } from '../../src/spec/vocab';
import { expectGradientsMatch } from '../train/gradcheck';
import { expectClose, nodeRuntime } from '../helpers';
import { aloneSpec, arbitraryParams, expectMatchesReference, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const KIND = 'retention';
const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: KIND, params } });
const rope = { kind: 'rope', params: {} };

// TEXT has 37 tokens: chunk 8 and 16 leave a partial last chunk, 64 and 256 exceed T.
const CASES: [string, Parameters<typeof aloneSpec>[0]][] = [
  ['defaults', mixer({})],
  ['chunk 8', mixer({ chunk: 8 })],
  ['chunk 16', mixer({ chunk: 16 })],
  ['chunk 256', mixer({ chunk: 256 })],
  ['chunk 8 with a RoPE position block (RetNet rotation: not applied)', { ...mixer({ chunk: 8 }), position: rope }],
  ['chunk 8, rotation by the RoPE position block', { ...mixer({ chunk: 8, rotation: 'position' }), position: rope }],
  ['rotation by the position block, NoPE (no rotation)', { ...mixer({ rotation: 'position' }), position: { kind: 'nope', params: {} } }],
];

describe.each(CASES)('retention, %s', (_name, put) => {
  it('alone: matches the float64 recurrence in both modes, fast = inspect to 1e-4', () => expectMatchesReference(aloneSpec(put), TEXT, 1e-4, 1e-4));
  it('inside a 3-layer model: matches the reference', () => expectMatchesReference(threeLayerSpec(put), TEXT, 1e-4, 1e-4));
});

describe('retention over random parameters', () => {
  it('any parameters in range match the reference, fast = inspect (8 and 16 heads too)', () =>
    fc.assert(
      fc.asyncProperty(arbitraryParams(KIND), fc.constantFrom(4, 8, 16), async (p, nHeads) => {
        await expectMatchesReference(aloneSpec(mixer(p), { nHeads }), 'The cat sat on the mat because it was warm.', 1e-4, 1e-4);
      }),
      { numRuns: 8 },
    ));
});

describe("RetNet's rotation (torchscale RetNetRelPos)", () => {
  it('angles are 1/10000^linspace(0, 1, hd/2), both ends included, written out for 4 and 1 pairs', () => {
    expectClose(retnetAngles(4), [1, 10000 ** (-1 / 3), 10000 ** (-2 / 3), 1e-4], 1e-15, 'hd = 8');
    expect(retnetAngles(1)).toEqual([1]);
    // Not RoPE's base^(−2i/hd): for hd = 8 that would be 1, 0.1, 0.01, 0.001.
    expect(retnetAngles(4)[3]).not.toBeCloseTo(0.001, 6);
  });

  it('the reference rotates (1, 2, 3, 4) at position 1 by angles 1 and 1/10000, as computed by hand; position 0 stays', () => {
    // x'0 = cos 1 − 2 sin 1, x'1 = 2 cos 1 + sin 1, x'2 = 3 cos 1e-4 − 4 sin 1e-4, x'3 = 4 cos 1e-4 + 3 sin 1e-4.
    const want = [-1.1426396637476532, 1.922075596544176, 2.9995999850006667, 4.0002999799995];
    expectClose(Array.from(retnetRotate(mat(2, 4, Float64Array.from([1, 2, 3, 4, 1, 2, 3, 4]))).v), [1, 2, 3, 4, ...want], 1e-12, 'rotated');
  });

  it('odd head size (9): four pairs turn, the last dimension passes; matches the reference', async () => {
    await expectMatchesReference(aloneSpec(mixer({ chunk: 8 }), { dModel: 36, nHeads: 4 }), TEXT, 1e-4, 1e-4);
  });

  it('rotation by the position block (RoPE): the gradient matches finite differences too', async () => {
    await expectGradientsMatch(aloneSpec({ ...mixer({ rotation: 'position' }), position: rope }, { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);

  it('differs from RoPE-rotated retention (the fix is visible in the logits)', async () => {
    const logits = async (params: Record<string, unknown>) => {
      const spec = aloneSpec({ ...mixer(params), position: rope });
      const checked = validateSpec(spec);
      if (!checked.ok) throw new Error(checked.errors.join());
      const tokens = tokenize(TEXT, spec.maxLen).ids;
      const model = await (await nodeRuntime()).load(toOnnxBytes(compile(checked.spec, { T: tokens.length, mode: 'fast' })));
      const out = (await model.run(tokens))['logits']!.data;
      await model.release();
      return out;
    };
    const own = await logits({});
    const viaRope = await logits({ rotation: 'position' });
    expect(Math.max(...Array.from(own, (v, i) => Math.abs(v - viaRope[i]!)))).toBeGreaterThan(1e-3);
  });
});

describe('decay and map', () => {
  it("uses torchscale's decays γ_h = 1 − 2^(−5−h), written out by hand for 4 heads", () => {
    expect(retentionGammas(4)).toEqual([0.96875, 0.984375, 0.9921875, 0.99609375]);
  });

  it('the map is causal: A_ij = 0 for j > i, and the diagonal is q_i·k_i/√s_i (not all zero)', async () => {
    const spec = aloneSpec(mixer({ chunk: 8 }));
    const tokens = tokenize(TEXT, spec.maxLen).ids;
    const model = await (await nodeRuntime()).load(toOnnxBytes(compile(spec, { T: tokens.length, mode: 'inspect' })));
    const out = await model.run(tokens);
    await model.release();
    const probs = out['attn_probs.0']!.data;
    const T = tokens.length;
    let nonzero = 0;
    for (let h = 0; h < spec.nHeads; h++)
      for (let i = 0; i < T; i++)
        for (let j = 0; j < T; j++) {
          const a = probs[(h * T + i) * T + j]!;
          if (j > i) expect(a, `(${h}, ${i}, ${j}) is in the future`).toBe(0);
          else if (a !== 0) nonzero++;
        }
    expect(nonzero).toBe((spec.nHeads * T * (T + 1)) / 2);
  });
});

describe('the chunked form on long sequences', () => {
  it('stays finite at T = 3000 (where a rescaled CumSum would overflow) and agrees with short runs on the prefix', async () => {
    const T = 3000;
    const text = Array.from({ length: T }, (_, i) => 'retention '[i % 10]).join('');
    const spec = aloneSpec(mixer({ chunk: 8 }), { maxLen: T });
    const rt = await nodeRuntime();
    const long = await rt.load(toOnnxBytes(compile(spec, { T, mode: 'fast' })));
    const tokens = tokenize(text, T).ids;
    const logits = (await long.run(tokens))['logits']!.data;
    await long.release();
    expect(logits.every((x) => Number.isFinite(x))).toBe(true);
    // Causal: the first 40 positions cannot see the rest, so they match a 40-token inspect run.
    const short = await rt.load(toOnnxBytes(compile(spec, { T: 40, mode: 'inspect' })));
    const shortLogits = (await short.run(tokens.slice(0, 40)))['logits']!.data;
    await short.release();
    expectClose(logits.slice(0, shortLogits.length), shortLogits, 1e-4, 'prefix logits');
    // Another chunking (12 chunks instead of 375, a shallower scan) gives the same logits everywhere.
    const coarse = await rt.load(toOnnxBytes(compile(aloneSpec(mixer({ chunk: 256 }), { maxLen: T }), { T, mode: 'fast' })));
    const coarseLogits = (await coarse.run(tokens))['logits']!.data;
    await coarse.release();
    expectClose(logits, coarseLogits, 1e-4, 'chunk 8 vs chunk 256 logits');
  });
});

describe('the fast path is linear in T', () => {
  it('no tensor of the fast graph has T·T elements or more (T = 256, chunk 32)', () => {
    const spec = aloneSpec(mixer({ chunk: 32 }), { maxLen: 256 });
    const T = 256;
    for (const node of compile(spec, { T, mode: 'fast' }).nodes)
      for (const out of node.outputs) expect(numel(out.shape), `${node.op} ${out.name} [${out.shape}]`).toBeLessThan(T * T);
  });
});

describe('retention parameters', () => {
  it('defaults to chunks of 64 and RetNet\'s own rotation', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ chunk: 64, rotation: 'retnet' });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', KIND, (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
    expect(validateSpec(aloneSpec(mixer({ chunk: 257 })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Retention (RetNet): parameter "chunk" must be a whole number from 8 to 256, got 257'],
    });
    expect(validateSpec(aloneSpec(mixer({ causal: false })))).toEqual({
      ok: false,
      errors: ['layers.0.mixer: Retention (RetNet): unknown parameter "causal" (known: chunk, rotation)'],
    });
  });
});
