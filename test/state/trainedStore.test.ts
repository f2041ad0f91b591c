// Trained weights kept in the browser (src/state/trainedStore.ts), against an in-memory KeepStorage
// (fake-indexeddb is not installed): an ended run is saved with its history and the worker's weights,
// a "reload" (a new store) restores it for the same model and recipe only, Reset keeps the copy and
// says so, Forget deletes it, and full or unavailable storage is said while the run stays.
import { describe, expect, it } from 'vitest';
import { createAppStore, type AppStore } from '../../src/state/store';
import { connectKeeping, keptKey, MAX_KEPT_REPORTS, thin, type KeepRuntime, type KeepStorage, type KeptRun } from '../../src/state/trainedStore';
import type { StepReport } from '../../src/train/trainer';
import type { InferenceApi, RestoreRequest, TrainedWeights, TrainProgress, TrainRequest } from '../../workers/api';

class MemoryStorage implements KeepStorage {
  readonly runs = new Map<string, KeptRun>();
  failPut: Error | null = null;
  failGet: Error | null = null;
  async get(key: string) {
    if (this.failGet) throw this.failGet;
    return this.runs.get(key);
  }
  async put(run: KeptRun) {
    if (this.failPut) throw this.failPut;
    this.runs.set(run.key, structuredClone(run));
  }
  async delete(key: string) {
    this.runs.delete(key);
  }
}

const WEIGHTS: TrainedWeights = { job: 1, step: 5, key: 'trained 1 step 5', weights: [{ name: 'embed.tokens', dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) }] };
const report = (step: number): StepReport => ({ step, loss: 4 - step / 10, accuracy: step / 10, gradNorm: 1, layerGradNorms: [1], lr: 1e-3 });

/** A worker that trains 5 steps, stops, and holds WEIGHTS; restores are recorded. */
function fakeRuntime() {
  const restored: RestoreRequest[] = [];
  const api = {
    exportOnnx: async () => new Uint8Array(),
    train: async (req: TrainRequest, onProgress: (p: TrainProgress) => void) => {
      const base = { job: 1, slot: 'a' as const, steps: req.recipe.steps, snapshots: [], stepsPerSecond: 10 };
      onProgress({ ...base, status: 'running', step: 3, reports: [1, 2, 3].map(report), evaluations: [] });
      onProgress({ ...base, status: 'stopped', step: 5, reports: [4, 5].map(report), evaluations: [{ step: 5, loss: 3.5, accuracy: 0.25 }], message: 'stopped' });
      return { job: 1, slot: 'a' as const, status: 'stopped' as const, step: 5, evaluation: { step: 5, loss: 3.5, accuracy: 0.25 }, message: 'stopped' };
    },
    pauseTraining: async () => undefined,
    resumeTraining: async () => undefined,
    stopTraining: async () => undefined,
    resetTraining: async () => undefined,
    trainedWeights: async () => WEIGHTS,
    restoreTraining: async (_slot: string, req: RestoreRequest) => {
      restored.push(req);
      return { job: 7, step: req.step };
    },
  } as Partial<InferenceApi> as InferenceApi;
  return { api, restored, keepApi: api as KeepRuntime };
}

/** Waits until `check` holds (state changes arrive through promises). */
async function until(check: () => boolean) {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 0));
  expect(check()).toBe(true);
}

async function trainAndKeep(storage: KeepStorage | null) {
  const rt = fakeRuntime();
  const store = createAppStore({ text: 'abc', runtime: rt.api });
  const keeping = connectKeeping(store, rt.keepApi, storage);
  await keeping.ready;
  store.getState().trainingActions.start();
  return { store, keeping, rt };
}

const reload = async (storage: KeepStorage, prepare: (store: AppStore) => void = () => undefined) => {
  const rt = fakeRuntime();
  const store = createAppStore({ text: 'abc', runtime: rt.api });
  prepare(store);
  const keeping = connectKeeping(store, rt.keepApi, storage);
  await keeping.ready;
  return { store, keeping, rt };
};

describe('trained weights kept in the browser', () => {
  it('keeps an ended run and restores it after a reload for the same model and recipe only', async () => {
    const storage = new MemoryStorage();
    const { store, keeping } = await trainAndKeep(storage);
    await until(() => keeping.state().phase === 'saved');
    const run = store.getState().training.runs.a!;
    expect(run.status).toBe('stopped');
    const kept = storage.runs.get(keptKey(run.spec, run.recipe))!;
    expect(kept).toMatchObject({ status: 'stopped', step: 5, reports: run.reports, evaluations: run.evaluations, thinned: false });
    expect(Array.from(kept.weights[0]!.data)).toEqual([1, 2, 3, 4]);

    // Reload: the same model and recipe.
    const again = await reload(storage);
    expect(again.rt.restored).toHaveLength(1);
    expect(again.rt.restored[0]).toMatchObject({ spec: run.spec, recipe: run.recipe, step: 5 });
    expect(Array.from(again.rt.restored[0]!.weights[0]!.data)).toEqual([1, 2, 3, 4]);
    const shown = again.store.getState().training.runs.a!;
    expect(shown).toMatchObject({ status: 'stopped', job: 7, step: 5, reports: run.reports, evaluations: run.evaluations });
    expect(again.keeping.state()).toMatchObject({ phase: 'restored', message: expect.stringMatching(/Restored the trained weights kept in this browser: 5 steps of copy/) });

    // Another seed is another recipe; another model is another key (the seed of the spec alone is not).
    const otherRecipe = await reload(storage, (s) => s.getState().trainingActions.setRecipe({ seed: 9 }));
    expect(otherRecipe.rt.restored).toHaveLength(0);
    expect(otherRecipe.store.getState().training.runs.a).toBeNull();
    const otherSeed = await reload(storage, (s) => s.setState({ spec: { ...s.getState().spec, seed: 42 } }));
    expect(otherSeed.rt.restored).toHaveLength(1);
  });

  it('Reset keeps the copy (and says so); Forget deletes it and shows the initial weights', async () => {
    const storage = new MemoryStorage();
    const { store, keeping } = await trainAndKeep(storage);
    await until(() => keeping.state().phase === 'saved');
    store.getState().trainingActions.reset();
    expect(keeping.state().message).toMatch(/the copy kept in this browser stays/);
    expect(storage.runs.size).toBe(1);

    const again = await reload(storage);
    expect(again.store.getState().training.runs.a).not.toBeNull();
    await again.keeping.forget();
    expect(storage.runs.size).toBe(0);
    expect(again.store.getState().training.runs.a).toBeNull();
    expect(again.keeping.state().message).toMatch(/Forgot the trained weights/);
    expect((await reload(storage)).rt.restored).toHaveLength(0);
  });

  it('full storage is said and the run stays on the page; so is storage that is unavailable', async () => {
    const full = new MemoryStorage();
    full.failPut = new DOMException('quota', 'QuotaExceededError');
    const a = await trainAndKeep(full);
    await until(() => a.keeping.state().phase === 'failed');
    expect(a.keeping.state()).toMatchObject({ tone: 'error', message: expect.stringMatching(/storage for the page is full \(QuotaExceededError\).*stay on this page/) });
    expect(a.store.getState().training.runs.a).toMatchObject({ status: 'stopped', step: 5 });

    const none = await trainAndKeep(null);
    await until(() => none.keeping.state().phase === 'failed');
    expect(none.keeping.state().message).toMatch(/storage is unavailable here/);
    expect(none.store.getState().training.runs.a).toMatchObject({ status: 'stopped' });

    // Reading fails at start (private mode): said, and the page starts as it would have.
    const blocked = new MemoryStorage();
    blocked.failGet = new DOMException('blocked', 'SecurityError');
    const b = await reload(blocked);
    expect(b.keeping.state()).toMatchObject({ phase: 'failed', message: expect.stringMatching(/could not be read: .*unavailable here \(SecurityError/) });
    expect(b.store.getState().training.runs.a).toBeNull();
  });

  it('thins a long history to at most MAX_KEPT_REPORTS reports spread evenly, keeping the last', () => {
    const reports = Array.from({ length: MAX_KEPT_REPORTS * 2 + 3 }, (_, i) => report(i + 1));
    const t = thin({ reports, snapshots: [] });
    expect(t.thinned).toBe(true);
    expect(t.reports.length).toBeLessThanOrEqual(MAX_KEPT_REPORTS + 1);
    expect(t.reports.at(-1)!.step).toBe(reports.length);
    const gaps = new Set(t.reports.slice(0, -1).map((r, i) => (i ? r.step - t.reports[i - 1]!.step : 3)));
    expect([...gaps]).toEqual([3]);
    expect(thin({ reports: reports.slice(0, 10), snapshots: [] }).thinned).toBe(false);
  });
});
