/**
 * The current work (model, text, view, preset) saved in the browser, so it survives a reload.
 * Saved as a share document (src/spec/share.ts) under WORK_KEY, debounced and again when the page
 * is hidden; restored on start when the address bar holds no link. A stored value that is
 * damaged or invalid is ignored with an info banner; storage that throws is never fatal.
 */
import { findPreset } from '../presets';
import { MAX_LINK_JSON, readShareJson } from '../spec/share';
import { followWork, workDoc, type Follower } from './share';
import type { AppStore, BackendChoice } from './store';

/** The localStorage key of the saved work (the version is the share-document format's). */
export const WORK_KEY = 'tp.work.v1';
/** Quiet time after an edit before the work is saved (ms). */
export const SAVE_DEBOUNCE_MS = 300;

export interface PersistEnv {
  /** localStorage, or null where the browser refuses it. */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Where `pagehide` is heard (the window): a pending save is written before the page goes. */
  events?: { addEventListener(type: 'pagehide', listener: () => void): void; removeEventListener(type: 'pagehide', listener: () => void): void };
}

/** An info banner, unless one is already up (a refused link says more than a lost save). */
function inform(store: AppStore, text: string) {
  if (!store.getState().banner) store.setState({ banner: { tone: 'info', text } });
}

/** Loads the saved work into the store as the starting point (no undo step). True when it did. */
export function restoreWork(store: AppStore, storage: PersistEnv['storage']): boolean {
  let saved: string | null;
  try {
    saved = storage?.getItem(WORK_KEY) ?? null;
  } catch {
    return false; // storage blocked: start from the default
  }
  if (saved === null) return false;
  const r = saved.length > MAX_LINK_JSON ? null : readShareJson(saved);
  if (!r?.ok) {
    inform(store, `Your saved work could not be restored: ${r ? r.reason : 'it is far longer than any work'}. The default model is shown.`);
    return false;
  }
  const { doc } = r;
  const presetId = doc.preset !== undefined && findPreset(doc.preset) ? doc.preset : null;
  store.setState({ spec: doc.spec, text: doc.text, view: doc.view, presetId, lastEdit: 'Restored the saved work.' });
  store.temporal.getState().clear();
  return true;
}

/** Restores the saved work when `restore` (no link was opened), then saves the work as it changes. */
export function connectPersistence(store: AppStore, env: PersistEnv, { restore }: { restore: boolean }): Follower & { restored: boolean } {
  const restored = restore && restoreWork(store, env.storage);
  let failureSaid = false;
  const save = () => {
    if (!env.storage) return;
    const { lesson: _lesson, classroom: _classroom, ...doc } = workDoc(store.getState());
    try {
      env.storage.setItem(WORK_KEY, JSON.stringify(doc));
      failureSaid = false;
    } catch {
      if (!failureSaid) inform(store, 'Your work could not be saved in this browser (its storage is full or blocked): copy a link or export the configuration to keep it.');
      failureSaid = true;
    }
  };
  const follower = followWork(store, ['spec', 'text', 'view', 'presetId'], SAVE_DEBOUNCE_MS, save);
  env.events?.addEventListener('pagehide', follower.flush);
  return {
    restored,
    flush: follower.flush,
    dispose: () => {
      follower.dispose();
      env.events?.removeEventListener('pagehide', follower.flush);
    },
  };
}

/** The localStorage key of the backend chosen (a property of this browser, never part of a link). */
export const BACKEND_KEY = 'tp.backend';

/** Saves the backend chosen in this browser when it changes (`savedBackendChoice` reads it back at start). */
export function connectBackendChoice(store: AppStore, storage: PersistEnv['storage']): () => void {
  return store.subscribe((s, prev) => {
    if (s.backendChoice === prev.backendChoice) return;
    try {
      storage?.setItem(BACKEND_KEY, s.backendChoice);
    } catch {
      // not saved: it is chosen again next time
    }
  });
}

/** The backend chosen earlier in this browser, or "auto". */
export function savedBackendChoice(storage: PersistEnv['storage']): BackendChoice {
  try {
    const saved = storage?.getItem(BACKEND_KEY);
    if (saved === 'auto' || saved === 'wasm' || saved === 'webgpu') return saved;
  } catch {
    // storage blocked: auto
  }
  return 'auto';
}

/** The localStorage key of "the view follows edits" (a preference of this browser, never part of a link). */
export const FOLLOW_KEY = 'tp.followEdits';

/** Restores whether the view follows edits in this browser, then saves it when it changes. */
export function connectFollowEdits(store: AppStore, storage: PersistEnv['storage']): () => void {
  try {
    const saved = storage?.getItem(FOLLOW_KEY);
    if (saved === 'on' || saved === 'off') store.setState({ followEdits: saved === 'on' });
  } catch {
    // storage blocked: on
  }
  return store.subscribe((s, prev) => {
    if (s.followEdits === prev.followEdits) return;
    try {
      storage?.setItem(FOLLOW_KEY, s.followEdits ? 'on' : 'off');
    } catch {
      // not saved: on again next time
    }
  });
}
