/**
 * The first look shipped in the bundle (`virtual:first-look`, made by scripts/firstlook.ts at build
 * time, decoded by src/state/firstLook.ts) against the float64 reference of the default model and
 * a fresh run of the worker's body here; and shown only for the model and text it was made for.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { DEFAULT_TEXT, defaultSpec } from '../../src/spec/defaults';
import { tokenize, VOCAB_SIZE } from '../../src/spec/vocab';
import { precomputedFor, showFirstLook } from '../../src/state/firstLook';
import { createAppStore } from '../../src/state/store';
import { connectBridge } from '../../src/state/bridge';
import type { AnalysisRequest, AnalysisResult, InferenceApi } from '../../workers/api';
import { analyse } from '../../workers/analyse';
import { referenceForward } from '../reference/forward64';
import { expectClose, nodeSessions, weightsOf } from '../helpers';

describe('the first look (computed at build time)', () => {
  const spec = defaultSpec();
  const tokens = tokenize(DEFAULT_TEXT, spec.maxLen).ids;
  const T = tokens.length;

  it('holds the default model’s maps of the default text, as the float64 reference computes them', () => {
    const shown = precomputedFor(spec, DEFAULT_TEXT)!;
    expect(shown).not.toBeNull();
    const r = shown.data;
    expect([r.T, r.nLayers, r.nHeads]).toEqual([T, 2, 4]);
    const ref = referenceForward(spec, weightsOf(compile(spec, { T, mode: 'inspect' })), tokens, VOCAB_SIZE);
    for (let layer = 0; layer < 2; layer++)
      for (let head = 0; head < 4; head++) {
        const m = shown.precomputed!.mapOf({ layer, head })!;
        expect(m).toMatchObject({ layer, head, T, side: T, block: 1 });
        expectClose(m.values, ref.probs[layer]!.subarray(head * T * T, (head + 1) * T * T), 1e-5, `map ${layer}.${head}`);
      }
    expectClose(r.map.values, ref.probs[0]!.subarray(0, T * T), 1e-5, 'the map sent with the result');
    r.entropy.forEach((e, i) => expectClose(e, ref.entropy[i]!, 1e-4, `entropy ${i}`));
    expectClose(r.logits, ref.logits, 1e-4, 'logits');
    expectClose(r.residRms, ref.residRms, 1e-4, 'residual rms');
  });

  it('equals a fresh compile and run of the default model by the worker’s body', async () => {
    const shown = precomputedFor(spec, DEFAULT_TEXT)!;
    const { result: fresh } = await analyse(await nodeSessions(), { id: 0, spec, tokens, view: { layer: 0, head: 0 } });
    expectClose(shown.data.map.values, fresh.map.values, 1e-6, 'map');
    shown.data.thumbs.forEach((t, i) => expectClose(t, fresh.thumbs[i]!, 1e-6, `thumbnails ${i}`));
    shown.data.support.forEach((s, i) => expect(Array.from(s), `support ${i}`).toEqual(Array.from(fresh.support[i]!)));
    expectClose(shown.data.logits, fresh.logits, 1e-5, 'logits');
    expect(shown.data.vocabSize).toBe(fresh.vocabSize);
  });

  it('is for that model and text only, whatever order the spec’s keys come in', () => {
    const reordered = Object.fromEntries(Object.entries(defaultSpec()).reverse()) as ReturnType<typeof defaultSpec>;
    expect(precomputedFor(reordered, DEFAULT_TEXT)).not.toBeNull();
    expect(precomputedFor({ ...spec, seed: 2 }, DEFAULT_TEXT)).toBeNull();
    expect(precomputedFor({ ...spec, nHeads: 2 }, DEFAULT_TEXT)).toBeNull();
    expect(precomputedFor(spec, `${DEFAULT_TEXT} `)).toBeNull();
  });

  it('is put in the store only when it holds that model and text, with the map of the view on screen', () => {
    const store = createAppStore();
    store.setState({ view: { layer: 1, head: 3 } });
    showFirstLook(store);
    const s = store.getState();
    expect(s.result?.precomputed).toBeTruthy();
    expect([s.map?.layer, s.map?.head]).toEqual([1, 3]);
    const other = createAppStore({ spec: { ...spec, seed: 9 } });
    showFirstLook(other);
    expect(other.getState().result).toBeNull();
  });

  it('serves views from the build’s maps until the bridge’s first live result replaces it', async () => {
    const store = createAppStore();
    showFirstLook(store);
    const asked: AnalysisRequest[] = [];
    let answer: (r: AnalysisResult) => void = () => undefined;
    const mapCalls: number[] = [];
    const never = () => new Promise<never>(() => {});
    const api: InferenceApi = {
      init: never,
      analyse: (req) => (asked.push(req), new Promise((r) => (answer = r))),
      stats: never,
      map: (id) => (mapCalls.push(id), never()),
      exportOnnx: never,
      supersede: async () => undefined,
      latency: never,
      breakdown: never,
      sweep: never,
      cancelSweep: async () => undefined,
      memory: never,
      releaseSlot: async () => undefined,
      train: never,
      pauseTraining: async () => undefined,
      resumeTraining: async () => undefined,
      stopTraining: async () => undefined,
      resetTraining: async () => undefined,
      trainedWeights: async () => null,
      restoreTraining: async () => ({ job: 1, step: 0 }),
      exportTrained: async () => new Uint8Array(),
      continueText: never,
      evictionCost: never,
      serving: never,
      runExperiment: never,
      stopExperiment: async () => undefined,
    };
    const disconnect = connectBridge(store, api);
    await Promise.resolve();
    store.getState().selectView(1, 2);
    expect(mapCalls).toEqual([]); // no worker needed for the precomputed result's other views
    const expected = precomputedFor(spec, DEFAULT_TEXT)!.precomputed!.mapOf({ layer: 1, head: 2 })!;
    expect(store.getState().map).toBe(expected);
    expect(asked).toHaveLength(1);
    const live = { ...precomputedFor(spec, DEFAULT_TEXT)!.data, id: asked[0]!.id, map: { ...expected, id: asked[0]!.id } };
    answer(live);
    await Promise.resolve();
    await Promise.resolve();
    expect(store.getState().result?.precomputed).toBeUndefined();
    expect(store.getState().result?.data.id).toBe(asked[0]!.id);
    expect(store.getState().map?.id).toBe(asked[0]!.id);
    disconnect();
  });
});
