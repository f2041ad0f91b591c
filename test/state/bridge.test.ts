import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { connectBridge } from '../../src/state/bridge';
import { createAppStore, type StoreRuntime } from '../../src/state/store';
import type { OpenedInfo } from '../../src/opened/types';
import { tokenize } from '../../src/spec/vocab';
import type { AnalysisRequest, AnalysisResult, InferenceApi, MapView, ViewRef, WorkerInfo } from '../../workers/api';
import { modelStats } from '../../src/compiler/stats';
import { defaultSpec } from '../../src/spec/defaults';

const INFO: WorkerInfo = { backend: { provider: 'wasm', threads: 2, crossOriginIsolated: true, fallbackReason: 'none' }, spawnedThreads: 1 };
/** The latency methods, never answering (test/state/latency.test.ts covers them). */
const LATENCY_STUBS: Pick<InferenceApi, 'latency' | 'breakdown' | 'sweep' | 'cancelSweep' | 'memory' | 'releaseSlot' | 'continueText' | 'serving' | 'evictionCost'> = {
  latency: () => new Promise(() => {}),
  continueText: () => new Promise(() => {}),
  serving: () => new Promise(() => {}),
  evictionCost: () => new Promise(() => {}),
  breakdown: () => new Promise(() => {}),
  sweep: () => new Promise(() => {}),
  cancelSweep: async () => {},
  memory: async () => ({ wasmBytes: null, jsHeapBytes: null, sessions: 0 }),
  releaseSlot: async () => {},
};
/** The training methods, never answering (test/workers/jobs.test.ts covers the worker's side). */
const TRAINING_STUBS: Pick<InferenceApi, 'train' | 'pauseTraining' | 'resumeTraining' | 'stopTraining' | 'resetTraining' | 'trainedWeights' | 'restoreTraining' | 'exportTrained' | 'runExperiment' | 'stopExperiment'> = {
  train: () => new Promise(() => {}),
  pauseTraining: async () => {},
  resumeTraining: async () => {},
  stopTraining: async () => {},
  resetTraining: async () => {},
  trainedWeights: async () => null,
  restoreTraining: async () => ({ job: 1, step: 0 }),
  exportTrained: async () => new Uint8Array(),
  runExperiment: () => new Promise(() => {}),
  stopExperiment: async () => {},
};

/** A worker stand-in whose answers the test releases by hand, in any order. */
function fakeApi() {
  const pending: { req: AnalysisRequest; resolve: (r: AnalysisResult) => void; reject: (e: Error) => void }[] = [];
  const superseded: number[] = [];
  const maps: { id: number; view: ViewRef; resolve: (m: MapView | null) => void }[] = [];
  const api: InferenceApi = {
    init: () => Promise.resolve(INFO),
    analyse: (req) => new Promise((resolve, reject) => pending.push({ req, resolve, reject })),
    stats: async (req) => modelStats(req.spec, req.tokens.length),
    map: (id, view) => new Promise((resolve) => maps.push({ id, view, resolve })),
    exportOnnx: async () => new Uint8Array([1, 2, 3]),
    supersede: async (id) => {
      superseded.push(id);
    },
    ...LATENCY_STUBS,
    ...TRAINING_STUBS,
  };
  const answer = (req: AnalysisRequest): AnalysisResult => ({
    id: req.id,
    T: req.tokens.length,
    nLayers: req.spec.layers.length,
    nHeads: req.spec.nHeads,
    map: { id: req.id, ...(req.view ?? { layer: 0, head: 0 }), T: req.tokens.length, side: 0, block: 1, values: new Float32Array(0) },
    thumbs: [],
    thumbSide: 24,
    entropy: [],
    support: [],
    residRms: new Float32Array(0),
    logits: new Float32Array(0),
    vocabSize: 97,
    router: [],
    headStats: [],
    timings: { compileMs: 0, loadMs: 0, inspectRunMs: 0, reused: false },
    backend: INFO.backend,
  });
  return { api, pending, answer, superseded, maps };
}

const flush = () => vi.advanceTimersByTimeAsync(50);

describe('bridge', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the current spec and tokens after the debounce, and stores the answer', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending, answer } = fakeApi();
    connectBridge(store, api);
    await flush();
    expect(store.getState().runtime).toEqual({ phase: 'ready', info: INFO });
    expect(pending).toHaveLength(1);
    expect(pending[0]!.req.tokens).toHaveLength(3);
    expect(store.getState().run.phase).toBe('running');
    pending[0]!.resolve(answer(pending[0]!.req));
    await flush();
    expect(store.getState().run.phase).toBe('done');
    expect(store.getState().result?.data.T).toBe(3);
    expect(store.getState().result?.input.pieces).toEqual(['a', 'b', 'c']);
  });

  it('sends the first edit of a burst at once, and then only the last, once edits pause', async () => {
    const store = createAppStore({ text: '' });
    const { api, pending } = fakeApi();
    connectBridge(store, api, { debounceMs: 25 });
    for (const t of ['a', 'ab', 'abc', 'abcd']) {
      store.getState().setText(t);
      await vi.advanceTimersByTimeAsync(10);
    }
    await flush();
    expect(pending.map((p) => p.req.tokens.length)).toEqual([1, 4]);
  });

  it('sends one request for several changes made in one task, before anything else runs', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending } = fakeApi();
    connectBridge(store, api);
    await flush();
    pending[0]!.resolve({} as AnalysisResult); // idle again (the answer itself is dropped: it has no id)
    await flush();
    store.getState().setText('abcd');
    store.getState().edit({ type: 'setGlobal', key: 'seed', value: 9 });
    await Promise.resolve(); // one microtask: no timer has run
    expect(pending).toHaveLength(2);
    expect(pending[1]!.req).toMatchObject({ tokens: [...pending[1]!.req.tokens], spec: { seed: 9 } });
    expect(pending[1]!.req.tokens).toHaveLength(4);
  });

  it('drops a result overtaken by a newer edit, even when it arrives last', async () => {
    const store = createAppStore({ text: 'one' });
    const { api, pending, answer } = fakeApi();
    connectBridge(store, api);
    await flush();
    store.getState().setText('second');
    await flush();
    expect(pending).toHaveLength(2);
    // The newer answer arrives first, then the stale one.
    pending[1]!.resolve(answer(pending[1]!.req));
    await flush();
    pending[0]!.resolve(answer(pending[0]!.req));
    await flush();
    expect(store.getState().result?.data.T).toBe('second'.length);
    expect(store.getState().dropped).toBe(1);
  });

  it('never draws a stale result that arrives before the newest one', async () => {
    const store = createAppStore({ text: 'one' });
    const { api, pending, answer } = fakeApi();
    connectBridge(store, api);
    await flush();
    store.getState().setLayerCount(3);
    await flush();
    pending[0]!.resolve(answer(pending[0]!.req));
    await flush();
    expect(store.getState().result).toBeNull();
    expect(store.getState().run.phase).toBe('running');
    pending[1]!.resolve(answer(pending[1]!.req));
    await flush();
    expect(store.getState().result?.data.nLayers).toBe(3);
  });

  it('a failure of a stale request is ignored; a failure of the newest is shown', async () => {
    const store = createAppStore({ text: 'one' });
    const { api, pending } = fakeApi();
    connectBridge(store, api);
    await flush();
    store.getState().setText('two');
    await flush();
    pending[0]!.reject(new Error('analysis 0 was overtaken by a newer edit'));
    await flush();
    expect(store.getState().run.phase).toBe('running');
    pending[1]!.reject(new Error('out of memory'));
    await flush();
    expect(store.getState().run).toEqual({ phase: 'failed', id: 1, message: 'out of memory' });
  });

  it('empty text sends nothing, clears the result and tells the worker to drop older work', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending, superseded } = fakeApi();
    connectBridge(store, api);
    await flush();
    store.getState().setText('');
    await flush();
    expect(pending).toHaveLength(1);
    expect(superseded).toEqual([1]);
    expect(store.getState().run.phase).toBe('idle');
    expect(store.getState().result).toBeNull();
  });

  it('the backend shown follows what a result ran on (a WebGPU session that fell back to WASM)', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending, answer } = fakeApi();
    connectBridge(store, api);
    await flush();
    store.setState({ runtime: { phase: 'ready', info: { ...INFO, backend: { ...INFO.backend, provider: 'webgpu', fallbackReason: null } } } });
    const fellBack = { ...INFO.backend, provider: 'wasm' as const, fallbackReason: 'WebGPU session failed: x' };
    pending[0]!.resolve({ ...answer(pending[0]!.req), backend: fellBack });
    await flush();
    const runtime = store.getState().runtime;
    expect(runtime.phase === 'ready' && runtime.info.backend).toEqual(fellBack);
  });

  it('disconnecting stops sending requests', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending } = fakeApi();
    const disconnect = connectBridge(store, api);
    await flush();
    disconnect();
    store.getState().setText('abcd');
    await flush();
    expect(pending).toHaveLength(1);
  });

  it('reports a runtime that fails to start', async () => {
    const store = createAppStore();
    const api: InferenceApi = { init: () => Promise.reject(new Error('no wasm')), analyse: () => new Promise(() => {}), stats: () => new Promise(() => {}), map: async () => null, exportOnnx: () => new Promise(() => {}), supersede: async () => {}, ...LATENCY_STUBS, ...TRAINING_STUBS };
    connectBridge(store, api);
    await flush();
    expect(store.getState().runtime).toEqual({ phase: 'failed', message: 'no wasm' });
  });
});

describe('bridge: the map on screen', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  const mapOf = (id: number, view: ViewRef): MapView => ({ id, ...view, T: 3, side: 3, block: 1, values: new Float32Array(9).fill(view.head) });

  it('asks the worker for the map of a new view, without rerunning the model, and drops answers for an older view', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending, answer, maps } = fakeApi();
    connectBridge(store, api);
    await flush();
    pending[0]!.resolve(answer(pending[0]!.req));
    await flush();
    expect(store.getState().map).toMatchObject({ layer: 0, head: 0 });
    store.getState().selectHead(1);
    store.getState().selectHead(2);
    await flush();
    expect(pending).toHaveLength(1); // no new analysis
    expect(maps.map((m) => m.view.head)).toEqual([1, 2]);
    maps[1]!.resolve(mapOf(0, maps[1]!.view));
    maps[0]!.resolve(mapOf(0, maps[0]!.view)); // the answer for head 1 arrives late
    await flush();
    expect(store.getState().map).toMatchObject({ head: 2 });
  });
});

describe('bridge: compare mode', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs model B in its own slot: B and A each keep their newest answer, whatever the order', async () => {
    const store = createAppStore({ text: 'abc' });
    const { api, pending, answer } = fakeApi();
    connectBridge(store, api);
    await flush();
    const b = defaultSpec();
    b.name = 'B';
    store.getState().setCompareModel(b, 'a test model');
    await flush();
    expect(pending.map((p) => p.req.slot)).toEqual(['a', 'b']);
    expect(pending[1]!.req.spec.name).toBe('B');
    // Editing A sends a new A request; B's request is not overtaken by it.
    store.getState().edit({ type: 'setLayerCount', count: 3 });
    await flush();
    expect(pending.map((p) => p.req.slot)).toEqual(['a', 'b', 'a']);
    pending[1]!.resolve(answer(pending[1]!.req));
    pending[0]!.resolve(answer(pending[0]!.req)); // overtaken A answer: dropped
    pending[2]!.resolve(answer(pending[2]!.req));
    await flush();
    expect(store.getState().compare?.resultB?.data.id).toBe(pending[1]!.req.id);
    expect(store.getState().result?.data.id).toBe(pending[2]!.req.id);
    expect(store.getState().dropped).toBe(1);
    // A text edit reruns both.
    store.getState().setText('abcd');
    await flush();
    expect(pending.slice(3).map((p) => p.req.slot).sort()).toEqual(['a', 'b']);
    store.getState().stopCompare();
    store.getState().setText('abcde');
    await flush();
    expect(pending.slice(5).map((p) => p.req.slot)).toEqual(['a']);
  });
});

describe('bridge, opened models', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** What the worker would say of a model with token ids of the playground's 97 characters. */
  const openedInfo = (inputs: { name: string; role: 'ids' | 'other' }[]) =>
    ({ fileName: 'm.onnx', fileBytes: 10, irVersion: 8, opset: 14, producer: 'pytorch', inputs: inputs.map((i) => ({ ...i, type: i.role === 'ids' ? 'int64' : 'float32', dims: ['batch', 'seq'] })), outputs: [], attention: [], fused: [], vocabSize: 97, logits: null, logitsAreProbabilities: false, weightBytes: 1, nodes: 3 }) as OpenedInfo;

  it('runs the opened model instead of the spec, on the text through its tokenizer; spec edits do not run it again; closing goes back', async () => {
    const { api, pending, answer } = fakeApi();
    const opened: string[] = [];
    const runtime = { ...api, openModel: async (_slot: string, key: string) => (opened.push(key), openedInfo([{ name: 'input_ids', role: 'ids' }])), closeModel: async () => {} } as unknown as StoreRuntime;
    const store = createAppStore({ text: 'abc', runtime });
    connectBridge(store, api);
    await flush();
    pending[0]!.resolve(answer(pending[0]!.req));
    await flush();
    const info = await store.getState().openModel('a', { name: 'm.onnx', bytes: new Uint8Array([1]) });
    expect(info.vocabSize).toBe(97);
    expect(store.getState().opened.a?.tokenizer).toBe('chars');
    await flush();
    expect(pending).toHaveLength(2);
    expect(pending[1]!.req.opened).toEqual({ key: opened[0], ids: tokenize('abc', 1000).ids, others: {} });
    pending[1]!.resolve({ ...answer(pending[1]!.req), nLayers: 3, nHeads: 8, opened: { fileName: 'm.onnx', layers: [], notDrawn: [], textFed: true, paddedTo: null } });
    await flush();
    expect(store.getState().result?.opened?.key).toBe(opened[0]);
    // The view is kept inside the opened model's layers and heads (3 and 8), not the playground's (2 and 4).
    store.getState().selectView(2, 7);
    expect(store.getState().view).toEqual({ layer: 2, head: 7 });
    store.getState().selectView(9, 9);
    expect(store.getState().view).toEqual({ layer: 2, head: 7 });
    // An edit of the playground's model does not run the opened one again; a text edit does.
    store.getState().edit({ type: 'setGlobal', key: 'seed', value: 9 });
    await flush();
    expect(pending).toHaveLength(2);
    store.getState().setText('abcd');
    await flush();
    expect(pending).toHaveLength(3);
    expect(pending[2]!.req.opened?.ids).toHaveLength(4);
    pending[2]!.resolve(answer(pending[2]!.req));
    await flush();
    // Typed ids: the text is read as numbers.
    store.getState().setText('5, 6 7');
    store.getState().setOpenedFeed('a', { tokenizer: 'ids' });
    await flush();
    expect(pending.at(-1)!.req.opened?.ids).toEqual([5, 6, 7]);
    pending.at(-1)!.resolve(answer(pending.at(-1)!.req));
    await flush();
    store.getState().closeModel('a');
    await flush();
    expect(pending.at(-1)!.req.opened).toBeUndefined();
    expect(store.getState().opened.a).toBeNull();
  });

  it('runs a model that takes no text with no ids, and names its positions', async () => {
    const { api, pending, answer } = fakeApi();
    const runtime = { ...api, openModel: async () => openedInfo([{ name: 'x', role: 'other' }]), closeModel: async () => {} } as unknown as StoreRuntime;
    const store = createAppStore({ text: '', runtime });
    connectBridge(store, api);
    await flush();
    await store.getState().openModel('a', { name: 'ocr.onnx', bytes: new Uint8Array([1]) });
    await flush();
    const req = pending.at(-1)!.req;
    expect(req.opened?.ids).toBeNull();
    pending.at(-1)!.resolve({ ...answer(req), T: 3 });
    await flush();
    expect(store.getState().result?.input.pieces).toEqual(['0', '1', '2']);
  });

  it('a refused file changes nothing', async () => {
    const { api } = fakeApi();
    const runtime = { ...api, openModel: async () => Promise.reject(new Error('bad.onnx is not an ONNX model')), closeModel: async () => {} } as unknown as StoreRuntime;
    const store = createAppStore({ text: 'abc', runtime });
    connectBridge(store, api);
    await flush();
    const before = { spec: store.getState().spec, text: store.getState().text };
    await expect(store.getState().openModel('a', { name: 'bad.onnx', bytes: new Uint8Array([0]) })).rejects.toThrow('bad.onnx is not an ONNX model');
    expect(store.getState().opened).toEqual({ a: null, b: null });
    expect({ spec: store.getState().spec, text: store.getState().text }).toEqual(before);
  });
});
