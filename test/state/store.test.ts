import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { createAppStore, selectInput } from '../../src/state/store';

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
  it('removing layers drops loops that reached past them, and keeps the selected layer run inside the model', () => {
    const spec = defaultSpec();
    spec.layers = [spec.layers[0]!, spec.layers[1]!, structuredClone(spec.layers[0]!), structuredClone(spec.layers[0]!)];
    spec.loops = [{ start: 0, end: 1, count: 3 }, { start: 2, end: 3, count: 2 }];
    const store = createAppStore({ spec });
    store.getState().selectLayer(9); // 6 + 4 = 10 runs
    expect(store.getState().view.layer).toBe(9);
    store.getState().setLayerCount(3);
    expect(store.getState().spec.loops).toEqual([{ start: 0, end: 1, count: 3 }]);
    expect(store.getState().view.layer).toBe(6); // 6 runs of the loop + layer 2
  });
});
