import fc from 'fast-check';
import LZString from 'lz-string';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findPreset } from '../../src/presets';
import { DEFAULT_TEXT, defaultSpec } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';
import { shareFromLink, shareToHash, specToHash, type ShareDoc } from '../../src/spec/share';
import type { Spec } from '../../src/spec/types';
import { connectPersistence, WORK_KEY } from '../../src/state/persist';
import { connectUrl, URL_DEBOUNCE_MS, workDoc } from '../../src/state/share';
import { createAppStore, type AppStore } from '../../src/state/store';
import { linkArb } from '../spec/shareArbitraries';
import { fakeBrowser, fakeStorage } from './urlEnv';

const valid = (spec: Spec) => (validateSpec(spec) as { spec: Spec }).spec;
const llama = () => valid(findPreset('llama-style')!.spec());
const link = (doc: Partial<ShareDoc>) => `#${shareToHash({ v: 1, spec: llama(), text: 'hello there', view: { layer: 1, head: 3 }, ...doc })}`;
const hashDoc = (hash: string) => {
  const r = shareFromLink(hash);
  if (!r.ok) throw new Error(r.reason);
  return r.doc;
};

/** The store with some work of the person's own: an edited model and text. */
function storeWithWork(): AppStore {
  const store = createAppStore();
  store.getState().edit({ type: 'setBlock', target: { layer: 1, slot: 'mixer' }, kind: 'sliding_window' });
  store.getState().setText('my own text');
  store.getState().selectView(1, 2);
  return store;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('opening a link', () => {
  it('loads the whole work on start, the spec as an undoable edit', () => {
    const store = createAppStore();
    const b = fakeBrowser(link({ preset: 'llama-style', lesson: { id: 'positions', step: 2 }, classroom: { hide: ['palette'], locked: true } }));
    const c = connectUrl(store, b.env);
    expect(c.opened).toBe(true);
    const s = store.getState();
    expect(s.spec).toEqual(llama());
    expect([s.text, s.view, s.presetId, s.lesson, s.classroom, s.banner]).toEqual(['hello there', { layer: 1, head: 3 }, 'llama-style', { id: 'positions', step: 2 }, { hide: ['palette'], locked: true }, null]);
    expect(s.notice?.text).toBe('Opened a shared link: LLaMA-style decoder.');
    store.getState().undo(); // refused: the classroom is locked
    expect(store.getState().spec).toEqual(llama());
    store.setState({ classroom: { hide: [], locked: false } });
    store.getState().undo();
    expect(store.getState().spec).toEqual(defaultSpec());
    b.paste(link({ classroom: { hide: [], locked: true } }));
    b.paste(link({ text: 'another link opens over a locked classroom' }));
    expect(store.getState().text).toBe('another link opens over a locked classroom');
    expect(store.getState().classroom).toEqual({ hide: [], locked: false });
    c.dispose();
  });

  it('a broken link on start leaves the work exactly as it was and says what was wrong', () => {
    const store = storeWithWork();
    const before = store.getState();
    const past = store.temporal.getState().pastStates.length;
    const c = connectUrl(store, fakeBrowser(link({}).slice(0, 60)).env);
    const s = store.getState();
    expect(c.opened).toBe(false);
    expect(s.spec).toBe(before.spec);
    expect(s.text).toBe(before.text);
    expect(s.view).toBe(before.view);
    expect(s.banner).toEqual({ tone: 'error', text: 'This link could not be opened: it was cut short or damaged (its data does not decompress). Your work is unchanged.' });
    expect(store.temporal.getState().pastStates).toHaveLength(past);
    c.dispose();
  });

  it('a tampered link names what the validator refused', () => {
    const store = storeWithWork();
    const before = store.getState().spec;
    const bad = LZString.compressToEncodedURIComponent(JSON.stringify({ v: 1, spec: { ...llama(), nHeads: 5 }, text: 'x', view: { layer: 0, head: 0 } }));
    connectUrl(store, fakeBrowser(`#s=${bad}`).env).dispose();
    expect(store.getState().spec).toBe(before);
    expect(store.getState().banner?.text).toBe('This link could not be opened: it was altered or is not valid (spec.nHeads: must divide dModel (64), got 5). Your work is unchanged.');
  });

  it('an older #c= link opens with the default text and view, and says so', () => {
    const store = createAppStore();
    connectUrl(store, fakeBrowser(`#${specToHash(findPreset('moe')!.spec())}`).env).dispose();
    expect(store.getState().spec.name).toBe('MoE decoder');
    expect(store.getState().text).toBe(DEFAULT_TEXT);
    expect(store.getState().banner).toMatchObject({ tone: 'info', text: expect.stringMatching(/older version/) });
  });

  it('repairs are reported; an unknown preset or lesson is left out', () => {
    const store = createAppStore();
    connectUrl(store, fakeBrowser(link({ view: { layer: 9, head: 0 }, preset: 'gone', lesson: { id: 'nope', step: 0 } })).env, { lessonSteps: (id) => (id === 'intro' ? 3 : undefined) }).dispose();
    const s = store.getState();
    expect([s.view, s.presetId, s.lesson]).toEqual([{ layer: 1, head: 0 }, null, null]);
    expect(s.banner?.tone).toBe('info');
    expect(s.banner?.text).toMatch(/^The link was opened with repairs: view: layer 9 is past the model's 2 layer runs; layer 1 is shown; preset: "gone" is not a preset of this version; the model is kept; lesson: "nope" is not a lesson of this version; it was left out\.$/);
  });

  it('a lesson step past the lesson is kept inside it (lessons from src/presets/lessons.ts by default)', () => {
    const store = createAppStore();
    connectUrl(store, fakeBrowser(link({ lesson: { id: 'intro', step: 7 } })).env, { lessonSteps: (id) => (id === 'intro' ? 3 : undefined) }).dispose();
    expect(store.getState().lesson).toEqual({ id: 'intro', step: 2 });
    expect(store.getState().banner?.text).toBe('The link was opened with repairs: lesson: step 8 is past the 3 steps of "intro"; its last step is shown.');
    const other = createAppStore();
    connectUrl(other, fakeBrowser(link({ lesson: { id: 'made-up', step: 0 } })).env).dispose();
    expect(other.getState().lesson).toBeNull();
  });

  it('a pasted link opens; a pasted broken one leaves the work and puts the work back in the address bar', () => {
    const store = storeWithWork();
    const b = fakeBrowser();
    const c = connectUrl(store, b.env);
    b.paste(link({ text: 'pasted' }));
    expect(store.getState().text).toBe('pasted');
    const before = store.getState();
    b.paste('#s=NoIgLgFg');
    expect(store.getState().spec).toBe(before.spec);
    expect(store.getState().text).toBe(before.text);
    expect(store.getState().banner?.tone).toBe('error');
    expect(hashDoc(b.env.location.hash)).toEqual(workDoc(store.getState()));
    expect(b.pushed).toEqual([]);
    c.dispose();
  });
});

describe('fuzz: thousands of links pasted into a page with work in it', () => {
  it('never throw past the banner and never change the work or the saved work when refused', () => {
    const store = storeWithWork();
    const b = fakeBrowser();
    const disk = fakeStorage();
    const url = connectUrl(store, b.env);
    const saved = connectPersistence(store, { storage: disk.storage, events: b.events }, { restore: false });
    saved.flush();
    fc.assert(
      fc.property(linkArb, (pasted) => {
        const before = store.getState();
        const stored = disk.data.get(WORK_KEY);
        store.setState({ banner: null });
        const hash = pasted.includes('#') ? pasted.slice(pasted.indexOf('#') + 1) : pasted;
        const expected = shareFromLink(hash);
        expect(() => b.paste(`#${hash}`)).not.toThrow();
        const s = store.getState();
        if (hash === '' || !expected.ok) {
          expect(s.spec).toBe(before.spec);
          expect(s.text).toBe(before.text);
          expect(s.view).toBe(before.view);
          expect(s.lesson).toBe(before.lesson);
          expect(s.classroom).toBe(before.classroom);
          expect(s.banner?.tone).toBe(hash === '' ? undefined : 'error');
          saved.flush();
          expect(disk.data.get(WORK_KEY)).toBe(stored);
        }
        vi.advanceTimersByTime(URL_DEBOUNCE_MS);
      }),
      { numRuns: 2000 },
    );
    expect(b.pushed).toEqual([]);
    url.dispose();
    saved.dispose();
  });
});

describe('the address bar follows the work', () => {
  it('through replaceState only, once edits pause, never pushState', () => {
    const store = createAppStore();
    const b = fakeBrowser();
    const c = connectUrl(store, b.env);
    vi.advanceTimersByTime(URL_DEBOUNCE_MS);
    expect(b.replaced).toHaveLength(1); // the starting work
    for (let i = 0; i < 5; i++) {
      store.getState().setText(`text ${i}`);
      vi.advanceTimersByTime(URL_DEBOUNCE_MS - 50);
    }
    store.getState().edit({ type: 'setGlobal', key: 'nHeads', value: 8 });
    store.getState().selectHead(6);
    expect(b.replaced).toHaveLength(1);
    vi.advanceTimersByTime(URL_DEBOUNCE_MS);
    expect(b.replaced).toHaveLength(2);
    expect(b.replaced[1]).toMatch(/^\/playground\/#s=/);
    expect(hashDoc(b.env.location.hash)).toEqual({ v: 1, spec: store.getState().spec, text: 'text 4', view: { layer: 0, head: 6 } });
    vi.advanceTimersByTime(10 * URL_DEBOUNCE_MS);
    expect(b.replaced).toHaveLength(2); // nothing changed, nothing written
    expect(b.pushed).toEqual([]);
    c.dispose();
  });

  it('drops the link from the address bar when the work is too long for one, and says so once', () => {
    const store = createAppStore();
    const b = fakeBrowser();
    const c = connectUrl(store, b.env);
    vi.advanceTimersByTime(URL_DEBOUNCE_MS);
    expect(b.env.location.hash).toMatch(/^#s=/);
    let seed = 1;
    const noise = Array.from({ length: 30_000 }, () => String.fromCharCode(33 + ((seed = (seed * 48271) % 2147483647) % 90))).join('');
    store.getState().setText(noise);
    vi.advanceTimersByTime(URL_DEBOUNCE_MS);
    expect(b.env.location.hash).toBe('');
    expect(store.getState().banner?.text).toMatch(/^The address bar no longer holds your work: the work is too long for a link/);
    c.dispose();
  });
});
