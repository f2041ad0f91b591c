/**
 * The app's store: the spec and the text (what the person edits), what the views look at, and the
 * derived results. Edits are actions on the spec; results come only from the bridge.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { findPreset } from '../presets';
import { DEFAULT_TEXT, defaultLayer, defaultSpec } from '../spec/defaults';
import { layerSchedule } from '../spec/schedule';
import { LIMITS } from '../spec/schema';
import type { Spec } from '../spec/types';
import { tokenize, type Tokenized } from '../spec/vocab';
import type { AnalysisResult, WorkerInfo } from '../../workers/api';

/** Which layer and head the views show. */
export interface ViewSelection {
  layer: number;
  head: number;
}

/** The state of the runtime in the worker. */
export type RuntimeStatus =
  | { phase: 'loading' }
  | { phase: 'ready'; info: WorkerInfo }
  | { phase: 'failed'; message: string };

/** The state of the latest analysis. */
export type RunStatus =
  | { phase: 'idle' }
  | { phase: 'running'; id: number }
  | { phase: 'done'; id: number }
  | { phase: 'failed'; id: number; message: string };

export interface AppState {
  spec: Spec;
  text: string;
  view: ViewSelection;
  runtime: RuntimeStatus;
  run: RunStatus;
  /** The newest result drawn, with the spec and tokens it was computed on. */
  result: { data: AnalysisResult; spec: Spec; input: Tokenized } | null;
  /** Results that arrived after a newer edit and were dropped. */
  dropped: number;
  /** The preset the spec came from, until the spec is edited. */
  presetId: string | null;

  setText(text: string): void;
  setLayerCount(n: number): void;
  /** Replaces the model with a preset's (the text stays). */
  loadPreset(id: string): void;
  selectLayer(layer: number): void;
  selectHead(head: number): void;
}

export type AppStore = StoreApi<AppState>;

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A new store holding the default model and text. */
export function createAppStore(initial?: { spec?: Spec; text?: string }): AppStore {
  return createStore<AppState>()((set) => ({
    spec: initial?.spec ?? defaultSpec(),
    text: initial?.text ?? DEFAULT_TEXT,
    view: { layer: 0, head: 0 },
    runtime: { phase: 'loading' },
    run: { phase: 'idle' },
    result: null,
    dropped: 0,
    presetId: initial?.spec ? null : 'default',

    setText: (text) => set({ text }),
    setLayerCount: (n) =>
      set((s) => {
        const count = clamp(Math.round(n), LIMITS.layers.min, LIMITS.layers.max);
        if (!Number.isFinite(count) || count === s.spec.layers.length) return {};
        const layers = s.spec.layers.slice(0, count);
        while (layers.length < count) layers.push(structuredClone(s.spec.layers[s.spec.layers.length - 1] ?? defaultLayer()));
        // Loops that reach past the last layer go with the layers they covered.
        const loops = s.spec.loops.filter((l) => l.end < count);
        const runs = layerSchedule({ layers, loops }).length;
        return { spec: { ...s.spec, layers, loops }, view: { ...s.view, layer: Math.min(s.view.layer, runs - 1) }, presetId: null };
      }),
    loadPreset: (id) =>
      set(() => {
        const preset = findPreset(id);
        return preset ? { spec: preset.spec(), presetId: id, view: { layer: 0, head: 0 } } : {};
      }),
    selectLayer: (layer) => set((s) => ({ view: { ...s.view, layer: clamp(layer, 0, layerSchedule(s.spec).length - 1) } })),
    selectHead: (head) => set((s) => ({ view: { ...s.view, head: clamp(head, 0, s.spec.nHeads - 1) } })),
  }));
}

/** The tokens of the current text, memoised on (text, maxLen). */
export const selectInput = (() => {
  let key = '';
  let last: Tokenized | null = null;
  return (s: Pick<AppState, 'text' | 'spec'>): Tokenized => {
    const k = `${s.spec.maxLen}\u0000${s.text}`;
    if (!last || k !== key) {
      key = k;
      last = tokenize(s.text, s.spec.maxLen);
    }
    return last;
  };
})();
