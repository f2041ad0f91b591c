/**
 * The view follows the edit: the layer an edit changed is shown at its first run. The expected run
 * indices are counted by hand from the loop rule (a loop over a…b with count n runs a…b n times in a
 * row), not read from layerSchedule.
 */
import { describe, expect, it } from 'vitest';
import { defaultSpec } from '../../src/spec/defaults';
import { editedLayer, firstRunOf } from '../../src/state/follow';
import { connectFollowEdits, FOLLOW_KEY } from '../../src/state/persist';
import { createAppStore } from '../../src/state/store';

/** Four layers, layers 1–2 looped 3 times: runs 0 | 1 2 | 1 2 | 1 2 | 3. */
function loopedStore() {
  const store = createAppStore();
  store.getState().setLayerCount(4);
  store.getState().edit({ type: 'setLoops', loops: [{ start: 1, end: 2, count: 3 }] });
  return store;
}

describe('the view follows the edit', () => {
  it('names the layer an edit changed, and none for edits of the whole model', () => {
    expect(editedLayer({ type: 'setBlock', target: { layer: 2, slot: 'mixer' }, kind: 'mamba2' })).toBe(2);
    expect(editedLayer({ type: 'setBlock', target: { slot: 'position' }, kind: 'rope' })).toBeNull();
    expect(editedLayer({ type: 'setParam', target: { layer: 1, slot: 'ffn' }, name: 'expansion', value: 2 })).toBe(1);
    expect(editedLayer({ type: 'insertLayer', at: 3, block: { slot: 'mixer', kind: 'mamba2' } })).toBe(3);
    expect(editedLayer({ type: 'moveLayer', from: 0, to: 2 })).toBe(2);
    expect(editedLayer({ type: 'duplicateLayer', index: 1 })).toBe(2);
    expect(editedLayer({ type: 'deleteLayer', index: 1 })).toBeNull();
    expect(editedLayer({ type: 'setGlobal', key: 'nHeads', value: 2 })).toBeNull();
  });

  it('maps a layer inside or after a loop to its first run', () => {
    const spec = loopedStore().getState().spec;
    expect([0, 1, 2, 3].map((l) => firstRunOf(spec, l))).toEqual([0, 1, 2, 7]);
    expect(firstRunOf(spec, 9)).toBeNull();
  });

  it('moves the view to the first run of the edited layer, keeping the head', () => {
    const store = loopedStore();
    store.getState().selectView(0, 3);
    store.getState().edit({ type: 'setBlock', target: { layer: 3, slot: 'mixer' }, kind: 'mamba2' });
    expect(store.getState().view).toEqual({ layer: 7, head: 3 });
    store.getState().edit({ type: 'setBlock', target: { layer: 2, slot: 'mixer' }, kind: 'mamba2' });
    expect(store.getState().view).toEqual({ layer: 2, head: 3 });
    // An edit of the whole model leaves the view where it is.
    store.getState().edit({ type: 'setGlobal', key: 'seed', value: 7 });
    expect(store.getState().view).toEqual({ layer: 2, head: 3 });
  });

  it('stays put when the person turned following off', () => {
    const store = createAppStore({ spec: defaultSpec() });
    store.getState().setFollowEdits(false);
    store.getState().edit({ type: 'setBlock', target: { layer: 1, slot: 'mixer' }, kind: 'mamba2' });
    expect(store.getState().view.layer).toBe(0);
  });

  it('remembers the choice in this browser', () => {
    const saved = new Map<string, string>();
    const storage = { getItem: (k: string) => saved.get(k) ?? null, setItem: (k: string, v: string) => void saved.set(k, v), removeItem: (k: string) => void saved.delete(k) };
    const a = createAppStore();
    connectFollowEdits(a, storage as unknown as Storage);
    expect(a.getState().followEdits).toBe(true);
    a.getState().setFollowEdits(false);
    expect(saved.get(FOLLOW_KEY)).toBe('off');
    const b = createAppStore();
    connectFollowEdits(b, storage as unknown as Storage);
    expect(b.getState().followEdits).toBe(false);
  });
});
