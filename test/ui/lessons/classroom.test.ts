// Classroom mode: the query flags a teacher writes by hand, and the lock on the model they set.
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../../src/presets';
import { DEFAULT_TEXT } from '../../../src/spec/defaults';
import { createAppStore, LOCKED_REASON } from '../../../src/state/store';
import { applyQueryFlags, readQueryFlags } from '../../../src/state/share';

describe('readQueryFlags', () => {
  it('reads hidden parts, the lock and a lesson step numbered from 1', () => {
    expect(readQueryFlags('?classroom=palette,settings&lock=1&lesson=positions&step=3')).toEqual({
      hide: ['palette', 'settings'],
      locked: true,
      lesson: { id: 'positions', step: 2 },
      ignored: [],
    });
    expect(readQueryFlags('')).toEqual({ hide: [], locked: false, lesson: null, ignored: [] });
    expect(readQueryFlags('?lock&lesson=latency').locked).toBe(true);
    expect(readQueryFlags('?lock=false').locked).toBe(false);
    // Repeated and spaced values, duplicates once.
    expect(readQueryFlags('?classroom=views,%20export&classroom=views').hide).toEqual(['views', 'export']);
  });

  it('ignores what it does not understand, and says so', () => {
    const f = readQueryFlags('?classroom=palette,secrets&lock=maybe&lesson=nope&step=2');
    expect(f).toMatchObject({ hide: ['palette'], locked: false, lesson: null });
    expect(f.ignored).toEqual(['classroom=secrets', 'lock=maybe', 'lesson=nope']);
    // A step out of range is kept inside the lesson and named.
    const g = readQueryFlags('?lesson=positions&step=40');
    expect(g.lesson).toEqual({ id: 'positions', step: 5 });
    expect(g.ignored).toEqual(['step=40']);
    expect(readQueryFlags('?lesson=positions&step=two').lesson).toEqual({ id: 'positions', step: 0 });
    expect(readQueryFlags('?step=2').ignored).toEqual(['step=2 (no lesson)']);
  });

  it('adds to what a share link set: hidden parts merge, a lock holds, the query’s lesson wins', () => {
    const store = createAppStore();
    store.setState({ classroom: { hide: ['stats'], locked: true }, lesson: { id: 'latency', step: 1 } });
    applyQueryFlags(store, '?classroom=palette&lesson=positions');
    expect(store.getState().classroom).toEqual({ hide: ['stats', 'palette'], locked: true });
    expect(store.getState().lesson).toEqual({ id: 'positions', step: 0 });
    expect(store.getState().banner).toBeNull();
    applyQueryFlags(store, '?classroom=nothing');
    expect(store.getState().banner?.text).toContain('classroom=nothing');
  });
});

describe('a locked classroom', () => {
  it('refuses edits, preset loads, undo and redo with a notice, but lets the lesson change the model', () => {
    const store = createAppStore();
    store.getState().setLayerCount(3);
    store.setState({ classroom: { hide: [], locked: true } });
    const before = store.getState().spec;
    expect(store.getState().edit({ type: 'setLayerCount', count: 1 })).toEqual({ ok: false, reason: LOCKED_REASON });
    expect(store.getState().notice).toMatchObject({ tone: 'refused', text: `Refused: ${LOCKED_REASON}` });
    store.getState().loadPreset('alibi');
    store.getState().undo();
    store.getState().redo();
    expect(store.getState().spec).toBe(before);
    expect(store.getState().presetId).toBeNull();
    const r = store.getState().edit({ type: 'replace', spec: findPreset('retnet')!.spec(), what: 'Lesson step 1.' }, 'lesson');
    expect(r.ok).toBe(true);
    expect(store.getState().spec.name).toBe('RetNet-style decoder');
    expect(store.getState().text).toBe(DEFAULT_TEXT);
  });
});
