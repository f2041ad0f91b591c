/**
 * An opened model in the worker body (workers/opened.ts), checked against paths it does not use:
 * a playground model exported as a plain file (no probes) and opened must draw exactly the maps,
 * entropies, head statistics and logits that the playground's own inspect graph computes for the
 * same weights and text (the compiler's probes, verified against float64 references elsewhere);
 * and a model exported by PyTorch must draw PyTorch's own attention probabilities.
 */
import { describe, expect, it } from 'vitest';
import { analyse, serialise } from '../../workers/analyse';
import { analyseOpened, checkOpenedBudget, openModel, timeOpened, withoutPadding } from '../../workers/opened';
import { defaultSpec } from '../../src/spec/defaults';
import { tokenize } from '../../src/spec/vocab';
import { ERROR } from '../../src/spec/errors';
import { nodeSessions } from '../helpers';
import type { AnalysisRequest, OpenedRequest } from '../../workers/api';
import { fixturePath, loadRef, ocrModelPath } from '../opened/fixtures';
import { readFileSync } from 'node:fs';

const close = (a: ArrayLike<number>, b: ArrayLike<number>, tol: number) => {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  expect(worst).toBeLessThan(tol);
};

const request = (id: number, opened: OpenedRequest): AnalysisRequest & { opened: OpenedRequest } => ({ id, spec: defaultSpec(), tokens: opened.ids ?? [], opened });

describe('an opened model in the worker', () => {
  it('a playground model opened as a file draws what its inspect graph computes', async () => {
    const spec = defaultSpec();
    const tokens = tokenize('the cat sat on the mat', spec.maxLen).ids;
    const T = tokens.length;
    const m = openModel('default#1', serialise(spec, T, 'fast'), 'default.onnx');
    expect(m.info.attention.map((s) => s.heads)).toEqual([spec.nHeads, spec.nHeads]);
    expect(m.info.vocabSize).toBe(97);
    const sessions = await nodeSessions();
    const { result: r, held } = await analyseOpened(sessions, m, request(3, { key: m.key, ids: tokens, others: {} }), () => false);
    const { result: ref, held: refHeld } = await analyse(await nodeSessions(), { id: 1, spec, tokens });
    expect([r.T, r.nLayers, r.nHeads]).toEqual([T, ref.nLayers, ref.nHeads]);
    for (let l = 0; l < r.nLayers; l++) {
      close(held.maps[l]!, refHeld.maps[l]!, 1e-5);
      close(r.entropy[l]!, ref.entropy[l]!, 1e-4);
      expect(Array.from(r.support[l]!)).toEqual(Array.from(ref.support[l]!));
      close(r.thumbs[l]!, ref.thumbs[l]!, 1e-5);
      r.headStats[l]!.forEach((h, k) => {
        const want = ref.headStats[l]![k]!;
        for (const key of ['previousToken', 'induction', 'sink', 'distance'] as const) {
          if (want[key] === null) expect(h[key]).toBeNull();
          else expect(h[key]!).toBeCloseTo(want[key]!, 4);
        }
      });
    }
    expect(r.vocabSize).toBe(ref.vocabSize);
    close(r.logits, ref.logits, 1e-4);
    expect(r.opened).toMatchObject({ fileName: 'default.onnx', notDrawn: [], textFed: true });
    expect(r.opened!.layers.map((l) => l.heads)).toEqual([spec.nHeads, spec.nHeads]);
    // Latency: the file as given ("fast") and the tapped copy ("inspect"), each its own session.
    const fast = await timeOpened(sessions, m, request(3, { key: m.key, ids: tokens, others: {} }), 'fast');
    const inspect = await timeOpened(sessions, m, request(3, { key: m.key, ids: tokens, others: {} }), 'inspect');
    expect(fast.medianMs).toBeGreaterThan(0);
    expect(inspect.medianMs).toBeGreaterThan(0);
    expect(sessions.size).toBe(2);
  });

  it("a model exported by PyTorch draws PyTorch's own attention probabilities", async () => {
    const ref = loadRef('torch-encoder');
    const m = openModel('enc#1', new Uint8Array(readFileSync(fixturePath('torch-encoder.onnx'))), 'torch-encoder.onnx');
    const { result: r, held } = await analyseOpened(await nodeSessions(), m, request(1, { key: m.key, ids: ref.input_ids, others: {} }));
    expect([r.nLayers, r.nHeads, r.T]).toEqual([ref.maps.length, ref.heads, ref.T]);
    ref.maps.forEach((layer, l) => close(held.maps[l]!, layer.flat(), 1e-5));
  });

  it("a model exported for exactly 32 tokens runs a shorter text padded under its mask, and draws torch's unpadded maps and logits", async () => {
    const ref = loadRef('torch-encoder'); // torch on the text alone, 22 tokens, no padding
    const m = openModel('fixed#1', new Uint8Array(readFileSync(fixturePath('torch-encoder-fixed32.onnx'))), 'torch-encoder-fixed32.onnx');
    expect(m.info.inputs.map((i) => [i.role, i.dims])).toEqual([['ids', [1, 32]], ['mask', [1, 32]]]);
    const sessions = await nodeSessions();
    const req = request(1, { key: m.key, ids: ref.input_ids, others: {} });
    const { result: r, held } = await analyseOpened(sessions, m, req);
    expect([r.nLayers, r.nHeads, r.T]).toEqual([ref.maps.length, ref.heads, ref.T]);
    expect(r.opened).toMatchObject({ textFed: true, paddedTo: 32 });
    ref.maps.forEach((layer, l) => close(held.maps[l]!, layer.flat(), 1e-5));
    expect(r.vocabSize).toBe(97);
    expect(r.logits.length).toBe(ref.T * 97);
    close(r.logits.subarray((ref.T - 1) * 97, (ref.T - 1) * 97 + ref.logits_last.length), ref.logits_last, 1e-4);
    // Latency is of the run as fed: 32 positions.
    expect((await timeOpened(sessions, m, req, 'fast')).T).toBe(32);
    // Longer than the export: refused with the length.
    await expect(analyseOpened(sessions, m, request(2, { key: m.key, ids: Array.from({ length: 33 }, () => 5), others: {} }))).rejects.toThrow(/exported for exactly 32 tokens; the text gives 33/);
  });

  it('refuses to crop padding that took weight from the text (a mask that does not hide keys)', () => {
    // One head, L = 3, the text T = 2: rows 0 and 1 give the padding key 0 and 0.25.
    const maps = Float32Array.of(1, 0, 0, 0.25, 0.5, 0.25, 0.2, 0.3, 0.5);
    expect(() => withoutPadding({ heads: 1, Tq: 3, Tk: 3, maps }, 2, 'm.onnx', 'sm0')).toThrow(/m\.onnx was exported for exactly 3 tokens.*sm0 still gives the padding 25% of a row/);
    const hidden = Float32Array.of(1, 0, 0, 0.25, 0.75, 0, 0.2, 0.3, 0.5);
    expect(withoutPadding({ heads: 1, Tq: 3, Tk: 3, maps: hidden }, 2, 'm.onnx', 'sm0')).toEqual({ heads: 1, Tq: 2, Tk: 2, maps: Float32Array.of(1, 0, 0.25, 0.75) });
  });

  it('a GPT-2-shaped decoder from PyTorch, fed ids, mask and positions, draws its causal maps and its logits', async () => {
    const ref = loadRef('torch-gpt2');
    const m = openModel('gpt#1', new Uint8Array(readFileSync(fixturePath('torch-gpt2.onnx'))), 'torch-gpt2.onnx');
    expect(m.info.inputs.map((i) => i.role)).toEqual(['ids', 'mask', 'positions']);
    expect(m.info.vocabSize).toBe(50257);
    const { result: r, held } = await analyseOpened(await nodeSessions(), m, request(1, { key: m.key, ids: ref.input_ids, others: {} }));
    ref.maps.forEach((layer, l) => close(held.maps[l]!, layer.flat(), 1e-5));
    expect(r.vocabSize).toBe(50257);
    close(r.logits.subarray((ref.T - 1) * 50257, (ref.T - 1) * 50257 + ref.logits_last.length), ref.logits_last, 1e-3);
  });

  it('an image model (PP-OCRv4 recogniser) is fed zeros and drawn over its sequence positions', async () => {
    const m = openModel('ocr#1', new Uint8Array(readFileSync(ocrModelPath())), 'rec.onnx');
    expect(m.info.inputs.map((i) => i.role)).toEqual(['other']);
    const { result: r, held } = await analyseOpened(await nodeSessions(), m, request(1, { key: m.key, ids: null, others: { x: { kind: 'zeros', dims: [1, 3, 48, 320] } } }));
    expect([r.nLayers, r.T]).toEqual([2, 40]);
    expect(r.opened?.textFed).toBe(false);
    for (const maps of held.maps)
      for (let row = 0; row < r.nHeads * r.T; row++) {
        let sum = 0;
        for (let j = 0; j < r.T; j++) sum += maps[row * r.T + j]!;
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    // Its output is already probabilities: the result holds their logs, so the views' softmax gives them back.
    expect(r.vocabSize).toBe(6625);
    let total = 0;
    for (let v = 0; v < 6625; v++) total += Math.exp(r.logits[v]!);
    expect(total).toBeCloseTo(1, 4);
  });

  it('refuses before running what would not fit, and explains a model whose attention is fused', async () => {
    const spec = defaultSpec();
    const m = openModel('default#2', serialise(spec, 4, 'fast'), 'default.onnx');
    expect(() => checkOpenedBudget(m, 20_000)).toThrow(/default\.onnx at 20000 tokens would need about .* over the 2 GiB budget: shorten the text/);
    try {
      checkOpenedBudget(m, 20_000);
    } catch (e) {
      expect((e as Error).name).toBe(ERROR.BudgetError);
    }
    const fused = openModel('fused#1', new Uint8Array(readFileSync(fixturePath('fused-attention.onnx'))), 'fused-attention.onnx');
    expect(fused.info.attention).toEqual([]);
    expect(fused.info.fused.map((f) => f.opType)).toEqual(['Attention']);
    await expect(analyseOpened(await nodeSessions(), fused, request(1, { key: fused.key, ids: null, others: {} }))).rejects.toThrow(/No attention Softmax was found in fused-attention\.onnx.*Attention node/);
  });
});
