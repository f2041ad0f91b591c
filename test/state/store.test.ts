import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { createAppStore, selectInput, type StoreRuntime } from '../../src/state/store';

describe('store actions', () => {
  it('adding layers copies the last layer; removing keeps the first ones', () => {
    const spec = defaultSpec();
    spec.layers[1]!.placement = 'post';
    const store = createAppStore({ spec });
    store.getState().setLayerCount(4);
    const layers = store.getState().spec.layers;
    expect(layers.map((l) => l.placement)).toEqual(['pre', 'post', 'post', 'post']);
    expect(layers[3]).not.toBe(layers[1]); // a copy, not a shared object
    store.getState().setLayerCount(1);
    expect(store.getState().spec.layers.map((l) => l.placement)).toEqual(['pre']);
  });

  it('clamps the layer count to its range and ignores non-numbers', () => {
    const store = createAppStore();
    store.getState().setLayerCount(99);
    expect(store.getState().spec.layers).toHaveLength(12);
    store.getState().setLayerCount(0);
    expect(store.getState().spec.layers).toHaveLength(1);
    const before = store.getState().spec;
    store.getState().setLayerCount(Number.NaN);
    expect(store.getState().spec).toBe(before);
  });

  it('keeps the selected layer and head inside the model', () => {
    const store = createAppStore();
    store.getState().setLayerCount(5);
    store.getState().selectLayer(4);
    store.getState().setLayerCount(2);
    expect(store.getState().view.layer).toBe(1);
    store.getState().selectHead(9);
    expect(store.getState().view.head).toBe(3);
    store.getState().selectLayer(-3);
    expect(store.getState().view.layer).toBe(0);
  });

  it('editing the text leaves the spec alone; selectInput follows the text', () => {
    const store = createAppStore();
    const spec = store.getState().spec;
    store.getState().setText('abc');
    expect(store.getState().spec).toBe(spec);
    expect(selectInput(store.getState()).pieces).toEqual(['a', 'b', 'c']);
  });
});

describe('store and loops', () => {
  it('removing layers shrinks the loops that covered them, and keeps the selected layer run inside the model', () => {
    const spec = defaultSpec();
    spec.layers = [spec.layers[0]!, spec.layers[1]!, structuredClone(spec.layers[0]!), structuredClone(spec.layers[0]!)];
    spec.loops = [{ start: 0, end: 1, count: 3 }, { start: 2, end: 3, count: 2 }];
    const store = createAppStore({ spec });
    store.getState().selectLayer(9); // 6 + 4 = 10 runs
    expect(store.getState().view.layer).toBe(9);
    store.getState().setLayerCount(3);
    expect(store.getState().spec.loops).toEqual([{ start: 0, end: 1, count: 3 }, { start: 2, end: 2, count: 2 }]);
    expect(store.getState().view.layer).toBe(7); // 6 runs of the first loop + 2 of layer 2
    store.getState().setLayerCount(2);
    expect(store.getState().spec.loops).toEqual([{ start: 0, end: 1, count: 3 }]);
    expect(store.getState().view.layer).toBe(5);
  });
});

describe('store: edits and undo', () => {
  it('undoes and redoes every edit in order, and says what it undid', () => {
    const store = createAppStore();
    const original = store.getState().spec;
    const { edit } = store.getState();
    edit({ type: 'setBlock', target: { layer: 0, slot: 'mixer' }, kind: 'mamba2' });
    edit({ type: 'duplicateLayer', index: 0 });
    edit({ type: 'moveLayer', from: 0, to: 2 });
    const kinds = () => store.getState().spec.layers.map((l) => l.mixer.kind);
    expect(kinds()).toEqual(['mamba2', 'softmax_attention', 'mamba2']);
    store.getState().undo();
    expect(store.getState().notice?.text).toBe('Undid: Layer 0 moved to position 2.');
    expect(kinds()).toEqual(['mamba2', 'mamba2', 'softmax_attention']);
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().spec).toBe(original);
    expect(store.getState().presetId).toBe('default');
    store.getState().undo();
    expect(store.getState().notice).toMatchObject({ tone: 'refused', text: 'Nothing to undo.' });
    store.getState().redo();
    store.getState().redo();
    expect(store.getState().notice?.text).toBe('Redid: Layer 0 was duplicated as layer 1.');
    expect(kinds()).toEqual(['mamba2', 'mamba2', 'softmax_attention']);
  });

  it('a refused edit changes nothing and leaves no history; text edits are not undone with the model', () => {
    const store = createAppStore();
    const before = store.getState().spec;
    const r = store.getState().edit({ type: 'setParam', target: { layer: 0, slot: 'ffn' }, name: 'expansion', value: 0 });
    expect(r.ok).toBe(false);
    expect(store.getState().spec).toBe(before);
    expect(store.getState().notice?.tone).toBe('refused');
    expect(store.temporal.getState().pastStates).toHaveLength(0);
    store.getState().setText('xyz');
    expect(store.temporal.getState().pastStates).toHaveLength(0);
  });

  it('undo keeps the selected layer run inside the restored model', () => {
    const store = createAppStore();
    store.getState().edit({ type: 'setLayerCount', count: 5 });
    store.getState().selectLayer(4);
    store.getState().undo();
    expect(store.getState().view.layer).toBe(1);
  });

  it('is made on the runtime it is given: choosing a backend and exporting call it, and nothing replaces the actions later', async () => {
    const calls: unknown[][] = [];
    const runtime = {
      choose: async (c: string) => void calls.push(['choose', c]),
      exportOnnx: async (_spec: unknown, T: number, mode: string) => (calls.push(['export', T, mode]), new Uint8Array([7])),
    } as unknown as StoreRuntime;
    const store = createAppStore({ text: 'abcd', backendChoice: 'wasm', runtime });
    const actions = [store.getState().setBackend, store.getState().exportOnnx, store.getState().latencyActions];
    expect(store.getState().backendChoice).toBe('wasm');
    store.getState().setBackend('webgpu');
    expect(await store.getState().exportOnnx('fast')).toEqual(new Uint8Array([7]));
    expect(calls).toEqual([['choose', 'webgpu'], ['export', 4, 'fast']]);
    expect(store.getState().backendChoice).toBe('webgpu');
    store.getState().setText('');
    await expect(store.getState().exportOnnx('fast')).rejects.toThrow('type some text first');
    expect([store.getState().setBackend, store.getState().exportOnnx, store.getState().latencyActions]).toEqual(actions);
    await expect(createAppStore().getState().exportOnnx('fast')).rejects.toThrow('no runtime');
  });
});
