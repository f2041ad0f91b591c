// The store's experiments controller (src/state/experiments.ts) against a fake runtime whose progress
// the test sends by hand, and an in-memory ExperimentStorage: progress and finished runs, keeping after
// every run, a "reload" (a new store on the same storage) that shows the last definition with its kept
// runs and resumes with only the missing ones, stop, refusals, and storage that is full. Then the
// definition in share links (src/spec/share.ts, src/state/share.ts).
import { describe, expect, it } from 'vitest';
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentRun } from '../../src/spec/experiment';
import { readShareDoc, shareFromLink, shareToHash, SHARE_VERSION, MAX_LINK_DATA } from '../../src/spec/share';
import { defaultSpec } from '../../src/spec/defaults';
import { findPreset } from '../../src/presets';
import { experimentKey, experimentsReady, isFinished, mergeRuns } from '../../src/state/experiments';
import { memoryExperiments } from '../../src/state/experimentStore';
import { openShared, workDoc, workHash } from '../../src/state/share';
import { createAppStore, type AppStore, type StoreRuntime } from '../../src/state/store';
import { recipe } from '../../src/train/run';

/** One runExperiment call the test answers by hand. */
interface Call {
  exp: Experiment;
  done: readonly ExperimentRun[];
  progress: (p: ExperimentProgress) => void;
  resolve: (r: ExperimentResult) => void;
  reject: (e: Error) => void;
}

function fakeRuntime() {
  const calls: Call[] = [];
  let stops = 0;
  const runtime = {
    runExperiment: (exp: Experiment, done: readonly ExperimentRun[], progress: (p: ExperimentProgress) => void) => new Promise<ExperimentResult>((resolve, reject) => calls.push({ exp, done, progress, resolve, reject })),
    stopExperiment: async () => void stops++,
  } as unknown as StoreRuntime;
  return { runtime, calls, stops: () => stops };
}

const EXP: Experiment = {
  title: 'Two seeds of the default model on copy',
  variants: [{ label: 'default', model: 'default' }],
  recipe: recipe({ task: 'copy', taskParams: { maxLen: 4 }, T: 10, batch: 4, steps: 20, evalEvery: 10, seed: 1 }),
  seeds: [1, 2, 3],
  measures: [{ kind: 'accuracy' }, { kind: 'loss' }],
};

/** A finished run of seed `seed` with accuracy `acc`. */
const runOf = (seed: number, acc: number, status: ExperimentRun['status'] = 'done'): ExperimentRun => ({
  variant: 0,
  sweep: null,
  seed,
  label: 'default',
  status,
  steps: 20,
  losses: [2, 1],
  evaluations: [{ step: 20, loss: 1, accuracy: acc }],
  track: [],
  values: [acc, 1],
  seconds: 1,
});

const progress = (run: number, step: number, finished: ExperimentRun[] = []): ExperimentProgress => ({ runs: 3, run, label: 'default', seed: run + 1, step, steps: 20, fraction: (run * 20 + step) / 60, finished });
const flush = () => new Promise((r) => setTimeout(r, 0));

async function setup(storage = memoryExperiments()) {
  const fake = fakeRuntime();
  const store = createAppStore({ runtime: fake.runtime, experimentStorage: storage });
  await experimentsReady(store.getState());
  return { store, storage, ...fake };
}

const x = (store: AppStore) => store.getState().experiments;
const act = (store: AppStore) => store.getState().experimentsActions;

describe('experiments in the store', () => {
  it('runs a definition: progress moves, finished runs are appended and kept after each one', async () => {
    const { store, storage, calls } = await setup();
    expect(act(store).setDefinition(EXP)).toBe(true);
    const running = act(store).run();
    expect(x(store).status).toBe('running');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.done).toEqual([]);
    calls[0]!.progress(progress(0, 10));
    expect(x(store).progress?.step).toBe(10);
    expect(x(store).result?.runs).toEqual([]);
    const first = runOf(1, 0.5);
    calls[0]!.progress(progress(1, 0, [first]));
    expect(x(store).result?.runs).toEqual([first]);
    await flush();
    expect(storage.entries.get(experimentKey(EXP))?.result.runs).toEqual([first]);
    expect(x(store).kept).toEqual([{ key: experimentKey(EXP), title: EXP.title, runs: 1 }]);
    const all = [first, runOf(2, 0.6), runOf(3, 0.7)];
    calls[0]!.progress(progress(3, 0, all.slice(1)));
    calls[0]!.resolve({ experiment: EXP, runs: all, provider: 'wasm', started: '2026-01-01T00:00:00Z', finished: '2026-01-01T00:01:00Z' });
    await running;
    expect(x(store).status).toBe('done');
    expect(x(store).result?.runs).toEqual(all);
    expect(storage.entries.get(experimentKey(EXP))?.result.finished).toBe('2026-01-01T00:01:00Z');
    // Run again: every run has finished, so nothing is asked of the worker.
    await act(store).run();
    expect(calls).toHaveLength(1);
    expect(x(store).notice).toMatch(/Every run of this experiment has finished/);
  });

  it('a reload shows the last definition with its kept runs, and Run goes on with only the missing ones', async () => {
    const storage = memoryExperiments();
    const first = await setup(storage);
    act(first.store).setDefinition(EXP);
    void act(first.store).run();
    first.calls[0]!.progress(progress(1, 0, [runOf(1, 0.5)]));
    first.calls[0]!.progress(progress(2, 0, [runOf(2, 0.1, 'diverged')]));
    await flush();
    // The page goes away mid-run (no answer). A new page on the same storage:
    const second = await setup(storage);
    await flush();
    expect(experimentKey(x(second.store).definition)).toBe(experimentKey(EXP));
    expect(x(second.store).definition.title).toBe(EXP.title);
    expect(x(second.store).result?.runs.map((r) => [r.seed, r.status])).toEqual([
      [1, 'done'],
      [2, 'diverged'],
    ]);
    expect(x(second.store).status).toBe('stopped');
    void act(second.store).run();
    expect(second.calls[0]!.done.map((r) => r.seed)).toEqual([1, 2]);
    // A run that was stopped or failed is not finished: Run runs it again.
    expect([runOf(1, 0, 'stopped'), runOf(1, 0, 'failed'), runOf(1, 0, 'diverged')].map(isFinished)).toEqual([false, false, true]);
  });

  it('a definition set by a link wins over the last one kept', async () => {
    const storage = memoryExperiments();
    await storage.setLast({ ...EXP, title: 'older' });
    const fake = fakeRuntime();
    const store = createAppStore({ runtime: fake.runtime, experimentStorage: storage });
    const mine = { ...EXP, seeds: [7], title: 'from the link' };
    act(store).setDefinition(mine); // before the start-up read ends, as connectUrl does
    await experimentsReady(store.getState());
    expect(x(store).definition.title).toBe('from the link');
  });

  it('stop ends the run under way; the result says stopped and keeps what finished', async () => {
    const { store, calls, stops } = await setup();
    act(store).setDefinition(EXP);
    const running = act(store).run();
    calls[0]!.progress(progress(1, 0, [runOf(1, 0.5)]));
    act(store).stop();
    expect(x(store).status).toBe('stopping');
    await flush();
    expect(stops()).toBe(1);
    calls[0]!.resolve({ experiment: EXP, runs: [runOf(1, 0.5), runOf(2, 0.2, 'stopped')], provider: 'wasm', started: 'now' });
    await running;
    expect(x(store).status).toBe('stopped');
    expect(x(store).result?.runs.filter(isFinished).map((r) => r.seed)).toEqual([1]);
  });

  it('refuses a second run, a bad definition, a change while running, and running without a runtime', async () => {
    const { store, calls } = await setup();
    expect(act(store).setDefinition({ ...EXP, variants: [] })).toBe(false);
    expect(x(store).notice).toMatch(/refused/);
    expect(x(store).definition.title).not.toBe(EXP.title);
    act(store).setDefinition(EXP);
    void act(store).run();
    await act(store).run();
    expect(calls).toHaveLength(1);
    expect(x(store).notice).toMatch(/already running/);
    expect(act(store).setDefinition({ ...EXP, seeds: [9] })).toBe(false);
    expect(x(store).notice).toMatch(/stop it/);
    expect(x(store).definition.seeds).toEqual(EXP.seeds);
    await act(store).forget(experimentKey(EXP));
    expect(x(store).status).toBe('running');

    const bare = createAppStore();
    bare.getState().experimentsActions.setDefinition(EXP);
    await bare.getState().experimentsActions.run();
    expect(bare.getState().experiments.status).toBe('idle');
    expect(bare.getState().experiments.notice).toMatch(/no runtime/);
  });

  it('a worker that fails keeps the finished runs and says so', async () => {
    const { store, calls } = await setup();
    act(store).setDefinition(EXP);
    const running = act(store).run();
    calls[0]!.progress(progress(1, 0, [runOf(1, 0.5)]));
    calls[0]!.reject(Object.assign(new Error('the worker stopped'), { name: 'WorkerLost' }));
    await running;
    expect(x(store).status).toBe('failed');
    expect(x(store).notice).toMatch(/the worker stopped.*1 finished run is kept/);
    expect(x(store).result?.runs).toHaveLength(1);
  });

  it('storage that is full is said in a sentence; the result stays on the page', async () => {
    const storage = memoryExperiments();
    const { store, calls } = await setup(storage);
    act(store).setDefinition(EXP);
    storage.fail.put = Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    const running = act(store).run();
    calls[0]!.progress(progress(1, 0, [runOf(1, 0.5)]));
    await flush();
    expect(x(store).notice).toMatch(/could not be kept.*full/);
    expect(x(store).result?.runs).toHaveLength(1);
    calls[0]!.resolve({ experiment: EXP, runs: [runOf(1, 0.5), runOf(2, 0.6), runOf(3, 0.7)], provider: 'wasm', started: 'now' });
    await running;
    expect(x(store).status).toBe('done');
    expect(x(store).result?.runs).toHaveLength(3);
    expect(storage.entries.size).toBe(0);
  });

  it('no storage at all: results stay on the page, and the notice says they are not kept', async () => {
    const fake = fakeRuntime();
    const store = createAppStore({ runtime: fake.runtime, experimentStorage: null });
    act(store).setDefinition(EXP);
    void act(store).run();
    fake.calls[0]!.progress(progress(1, 0, [runOf(1, 0.5)]));
    await flush();
    expect(x(store).notice).toMatch(/could not be kept.*unavailable/);
    expect(x(store).result?.runs).toHaveLength(1);
  });

  it('opens and forgets kept results', async () => {
    const storage = memoryExperiments();
    const { store } = await setup(storage);
    const other = { ...EXP, seeds: [5], title: 'other' };
    await storage.put({ v: 1, key: experimentKey(other), result: { experiment: other, runs: [runOf(5, 0.9)], provider: 'wasm', started: 'now', finished: 'later' }, savedAt: '2026-01-01T00:00:00Z' });
    await act(store).open(experimentKey(other));
    expect(x(store).definition.title).toBe('other');
    expect(x(store).status).toBe('done');
    expect(x(store).result?.runs.map((r) => r.seed)).toEqual([5]);
    await act(store).forget(experimentKey(other));
    expect(x(store).result).toBeNull();
    expect(x(store).status).toBe('idle');
    expect(storage.entries.size).toBe(0);
    expect(x(store).kept).toEqual([]);
  });

  it('fromModels: model A (and B in compare mode) with the Train panel recipe, seeds 1 and 2, accuracy and loss', async () => {
    const { store } = await setup();
    const a = act(store).fromModels();
    expect(a.variants).toEqual([{ label: findPreset('default')!.title, model: 'default' }]);
    expect(a.recipe).toEqual(store.getState().training.recipe);
    expect(a.seeds).toEqual([1, 2]);
    expect(a.measures).toEqual([{ kind: 'accuracy' }, { kind: 'loss' }]);
    const specB = { ...defaultSpec(), nHeads: 2, name: 'two heads' };
    store.getState().setCompareModel(specB, 'two heads');
    const ab = act(store).fromModels();
    expect(ab.variants.map((v) => v.model)).toEqual(['default', specB]);
  });

  it('experimentKey: the same for the same runs in any key order or title, different for other runs', () => {
    const reordered = JSON.parse(JSON.stringify({ measures: EXP.measures, seeds: EXP.seeds, recipe: EXP.recipe, variants: EXP.variants, title: 'renamed' })) as Experiment;
    expect(experimentKey(reordered)).toBe(experimentKey(EXP));
    expect(experimentKey({ ...EXP, seeds: [1, 2] })).not.toBe(experimentKey(EXP));
    expect(experimentKey({ ...EXP, recipe: { ...EXP.recipe, lr: EXP.recipe.lr * 2 } })).not.toBe(experimentKey(EXP));
  });

  it('mergeRuns replaces a run of the same variant, sweep value and seed, and appends the others', () => {
    expect(mergeRuns([runOf(1, 0.1, 'stopped'), runOf(2, 0.2)], [runOf(1, 0.5), runOf(3, 0.3)]).map((r) => [r.seed, r.values[0]])).toEqual([
      [1, 0.5],
      [2, 0.2],
      [3, 0.3],
    ]);
  });
});

describe('the experiment in share links', () => {
  it('a link carries the definition once set (not the default one), and opening it puts it in the panel', async () => {
    const { store } = await setup();
    expect(workDoc(store.getState()).experiment).toBeUndefined();
    act(store).setDefinition(EXP);
    const hash = workHash(store.getState());
    if (!hash.ok) throw new Error(hash.reason);
    const r = shareFromLink(hash.hash);
    expect(r.ok && r.doc.experiment).toEqual(EXP);
    const { store: other } = await setup();
    expect(openShared(other, r)).toBe(true);
    expect(x(other).definition).toEqual(EXP);
  });

  it('an invalid experiment is left out with a one-line reason; the rest of the document opens', () => {
    const r = readShareDoc({ v: SHARE_VERSION, spec: defaultSpec(), text: 'abc', view: { layer: 0, head: 0 }, experiment: { ...EXP, variants: [] } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.doc.experiment).toBeUndefined();
    expect(r.doc.text).toBe('abc');
    expect(r.repaired).toHaveLength(1);
    expect(r.repaired[0]).toMatch(/^experiment: /);
    expect(r.repaired[0]).not.toContain('\n');
  });

  it('six variants with whole specs fit in a link', () => {
    const ids = ['gpt2-small', 'llama-style', 'mistral-style', 'retnet', 'mamba-hybrid', 'moe'];
    const exp: Experiment = { ...EXP, variants: ids.map((id) => ({ label: id, model: findPreset(id)!.spec() })), measures: [{ kind: 'accuracy' }, { kind: 'loss' }, { kind: 'accuracyAt', T: 20 }] };
    const hash = shareToHash({ v: SHARE_VERSION, spec: findPreset('gpt2-small')!.spec(), text: 'The quick brown fox', view: { layer: 0, head: 0 }, experiment: exp });
    expect(hash.length - 2).toBeLessThanOrEqual(MAX_LINK_DATA);
    const r = shareFromLink(hash);
    expect(r.ok && r.doc.experiment?.variants.length).toBe(6);
  });
});
