import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { findPreset } from '../../src/presets';
import { defaultSpec } from '../../src/spec/defaults';
import { shareToHash } from '../../src/spec/share';
import { BACKEND_KEY, connectBackendChoice, connectPersistence, savedBackendChoice, SAVE_DEBOUNCE_MS, WORK_KEY } from '../../src/state/persist';
import { connectUrl } from '../../src/state/share';
import { createAppStore, type AppStore } from '../../src/state/store';
import { fakeBrowser, fakeStorage } from './urlEnv';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts a page as main.tsx does: the link first, then the saved work when no link opened. */
function startPage(disk: ReturnType<typeof fakeStorage>, hash = '') {
  const store = createAppStore();
  const b = fakeBrowser(hash);
  const url = connectUrl(store, b.env);
  const saved = connectPersistence(store, { storage: disk.storage, events: b.events }, { restore: !url.opened });
  return { store, b, url, saved, close: () => (url.dispose(), saved.dispose()) };
}

/** Some work: an edited model, text and view. */
function work(store: AppStore) {
  store.getState().edit({ type: 'setBlock', target: { layer: 0, slot: 'mixer' }, kind: 'mamba2' });
  store.getState().setText('kept across reloads');
  store.getState().selectView(1, 3);
}

/** A storage holding the work of an earlier visit. */
function diskWithWork() {
  const disk = fakeStorage();
  const first = startPage(disk);
  work(first.store);
  first.saved.flush();
  first.close();
  return disk;
}

describe('local persistence', () => {
  it('saves the work once edits pause, and a reload restores it with no undo step', () => {
    const disk = fakeStorage();
    const first = startPage(disk);
    work(first.store);
    const writes = disk.writes();
    vi.advanceTimersByTime(SAVE_DEBOUNCE_MS - 1);
    expect(disk.writes()).toBe(writes);
    vi.advanceTimersByTime(1);
    expect(disk.writes()).toBe(writes + 1);
    expect(JSON.parse(disk.data.get(WORK_KEY)!)).toEqual({ v: 1, spec: first.store.getState().spec, text: 'kept across reloads', view: { layer: 1, head: 3 } });
    first.close();

    const second = startPage(disk);
    const s = second.store.getState();
    expect(second.saved.restored).toBe(true);
    expect([s.spec, s.text, s.view, s.banner]).toEqual([first.store.getState().spec, 'kept across reloads', { layer: 1, head: 3 }, null]);
    expect(second.store.temporal.getState().pastStates).toEqual([]);
    second.close();
  });

  it('writes a pending save when the page is hidden', () => {
    const disk = fakeStorage();
    const page = startPage(disk);
    vi.advanceTimersByTime(SAVE_DEBOUNCE_MS);
    work(page.store);
    page.b.fire('pagehide');
    expect(JSON.parse(disk.data.get(WORK_KEY)!).text).toBe('kept across reloads');
    page.close();
  });

  it('keeps the preset the work came from', () => {
    const disk = fakeStorage();
    const first = startPage(disk);
    first.store.getState().loadPreset('alibi');
    first.saved.flush();
    first.close();
    const second = startPage(disk);
    expect(second.store.getState().presetId).toBe('alibi');
    expect(second.store.getState().spec.name).toBe(findPreset('alibi')!.spec().name);
    second.close();
  });

  it.each([
    ['not JSON', '{"v":1,"spec":', /cut short or damaged/],
    ['JSON of another shape', '[1,2,3]', /altered or is not valid/],
    ['an invalid spec', JSON.stringify({ v: 1, spec: { ...defaultSpec(), dModel: 3 }, text: '', view: { layer: 0, head: 0 } }), /spec\.dModel/],
    ['a newer format', JSON.stringify({ v: 9, spec: defaultSpec() }), /newer/],
  ])('ignores a stored value that is %s, with an info banner', (_what, value, reason) => {
    const disk = fakeStorage({ [WORK_KEY]: value });
    let page: ReturnType<typeof startPage> | undefined;
    expect(() => (page = startPage(disk))).not.toThrow();
    const s = page!.store.getState();
    expect(s.spec).toEqual(defaultSpec());
    expect(s.banner?.tone).toBe('info');
    expect(s.banner?.text).toMatch(/^Your saved work could not be restored: /);
    expect(s.banner?.text).toMatch(reason);
    page!.close();
  });

  it('survives storage that throws on reading or writing, and says once that the work is not saved', () => {
    const blocked = startPage(fakeStorage({}, { get: true, set: true }));
    work(blocked.store);
    expect(() => vi.advanceTimersByTime(SAVE_DEBOUNCE_MS)).not.toThrow();
    expect(blocked.store.getState().banner?.text).toMatch(/could not be saved in this browser/);
    blocked.store.getState().dismissBanner();
    blocked.store.getState().setText('more');
    vi.advanceTimersByTime(SAVE_DEBOUNCE_MS);
    expect(blocked.store.getState().banner).toBeNull();
    blocked.close();
    const none = createAppStore();
    expect(() => connectPersistence(none, { storage: null }, { restore: true }).dispose()).not.toThrow();
  });
});

describe('what the page starts from: link, then saved work, then the default', () => {
  it('a link wins over the saved work', () => {
    const disk = diskWithWork();
    const linked = startPage(disk, `#${shareToHash({ v: 1, spec: defaultSpec(), text: 'from the link', view: { layer: 0, head: 1 } })}`);
    expect(linked.store.getState().text).toBe('from the link');
    expect(linked.saved.restored).toBe(false);
    linked.close();
  });

  it('a broken link falls back to the saved work, and its error is not replaced', () => {
    const disk = diskWithWork();
    const broken = startPage(disk, '#s=N4IgdghgtgpiBcIDCB7');
    const s = broken.store.getState();
    expect(s.text).toBe('kept across reloads');
    expect(s.spec.layers[0]!.mixer.kind).toBe('mamba2');
    expect(s.banner?.tone).toBe('error');
    broken.close();
  });

  it('with neither, the default model', () => {
    const page = startPage(fakeStorage());
    expect(page.store.getState().spec).toEqual(defaultSpec());
    expect(page.store.getState().banner).toBeNull();
    page.close();
  });
});

describe('the backend chosen in this browser', () => {
  it('is read back at start (auto when unset, unknown or unreadable) and saved when it changes', () => {
    const { storage } = fakeStorage();
    expect(savedBackendChoice(storage)).toBe('auto');
    const store = createAppStore({ backendChoice: savedBackendChoice(storage) });
    connectBackendChoice(store, storage);
    store.getState().setBackend('wasm');
    expect(savedBackendChoice(storage)).toBe('wasm');
    storage.setItem(BACKEND_KEY, 'quantum');
    expect(savedBackendChoice(storage)).toBe('auto');
    const throwing = { getItem: () => { throw new Error('blocked'); } } as unknown as Storage;
    expect(savedBackendChoice(throwing)).toBe('auto');
  });
});
