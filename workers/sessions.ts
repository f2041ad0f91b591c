/**
 * The sessions a worker keeps between requests: per model slot (A, and B in compare mode) one
 * inspect and one fast session, each for one graph. A request for the same graph (an edit of the
 * text that keeps its length, the latency figures of the result on screen) runs on the session
 * already made; a request for another replaces it, and the replaced session is released. Shapes
 * are static (masks, positions and spectral matrices are built for T), so another length is
 * another graph.
 *
 * A graph compiled with its weights as inputs (docs/graph-outputs.md) is the same graph for every
 * value of its weights: its session also holds the weights it is fed, under a key (`seed 3`, or a
 * training job's checkpoint), and other weights are fed to it rather than building a new session.
 */
import type { InputTensor, LoadedModel, Runtime } from '../src/runtime/ort';
import type { LatencyMode, ModelSlot } from './api';

/** What a session runs: the graph, and for a graph that takes its weights as inputs, which weights. */
export interface Recipe {
  /** Equal keys, same graph (spec less what is fed, length, weights baked or fed). */
  graph: string;
  /** The ONNX bytes, asked for only when no held session runs this graph. May throw (over the budget). */
  build: () => Uint8Array;
  /** For a graph whose weights are inputs: the name of the weights, and their values, asked for only when other weights are held. */
  weights?: { key: string; values: () => InputTensor[] };
}

interface Held {
  graph: string;
  model: Promise<LoadedModel>;
  /** The key of the weights fed last (null for baked weights). */
  weights: string | null;
}

export class Sessions {
  private readonly held = new Map<string, Held>();
  /** Sessions created so far (tests read it). */
  created = 0;
  /** Times other weights were fed to a held session instead of creating one (tests read it). */
  fed = 0;
  /**
   * How inspect graphs take their weights: as inputs (a seed-only edit feeds the kept session), or
   * baked in (every seed builds a session: the page before issue 16, which the edit-to-visual
   * benchmark measures beside it).
   */
  inspectWeights: 'inputs' | 'baked' = 'inputs';

  constructor(readonly runtime: Runtime) {}

  /**
   * The `mode` session of `recipe` for `slot`: the held one when it runs the same graph (fed the
   * recipe's weights first when it holds others), else `recipe.build()` loaded and fed, the held
   * one released. When building or feeding throws nothing is held for that place. Inspect graphs
   * run once per edit, so they are loaded without graph optimisations; fast graphs are timed, so
   * they get all of them.
   */
  get(slot: ModelSlot, mode: LatencyMode, recipe: Recipe): Promise<LoadedModel> {
    const place = `${slot}:${mode}`;
    const before = this.held.get(place);
    if (before?.graph === recipe.graph) {
      if (!recipe.weights || before.weights === recipe.weights.key) return before.model;
      return this.feed(slot, mode, recipe.weights.key, recipe.weights.values());
    }
    this.drop(place);
    const w = recipe.weights;
    const loaded = this.runtime.load(recipe.build(), { optimize: mode === 'fast' });
    const model = w ? loaded.then(async (m) => (await m.setWeights(w.values()), m)) : loaded;
    this.created++;
    this.held.set(place, { graph: recipe.graph, model, weights: w?.key ?? null });
    model.catch(() => {
      if (this.held.get(place)?.model === model) this.held.delete(place);
      void loaded.then((m) => m.release(), () => undefined).catch(() => undefined);
    });
    return model;
  }

  /**
   * Feeds `values` (weights by name, all or some) to the `mode` session held for `slot`, under
   * `key`, without rebuilding it: how a new seed, or the weights a training step returned, reach
   * a kept session. Rejects when no session is held there or its graph has its weights baked in.
   */
  feed(slot: ModelSlot, mode: LatencyMode, key: string, values: readonly InputTensor[]): Promise<LoadedModel> {
    const place = `${slot}:${mode}`;
    const h = this.held.get(place);
    if (!h) return Promise.reject(new Error(`no ${mode} session is held for model ${slot.toUpperCase()}`));
    const previous = h.model;
    h.weights = key;
    this.fed++;
    const model = previous.then(async (m) => {
      if (m.weightNames.length === 0) throw new Error(`the ${mode} session of model ${slot.toUpperCase()} has its weights baked in`);
      await m.setWeights(values);
      return m;
    });
    h.model = model;
    // A failed feed leaves weights of no known key: the next request builds a new session.
    model.catch(() => {
      if (this.held.get(place)?.model === model) this.held.delete(place);
      void previous.then((m) => m.release(), () => undefined).catch(() => undefined);
    });
    return model;
  }

  /** Releases the sessions of `slot` (compare mode turned off). */
  releaseSlot(slot: ModelSlot): void {
    for (const place of [...this.held.keys()]) if (place.startsWith(`${slot}:`)) this.drop(place);
  }

  /** Releases every session held. */
  releaseAll(): void {
    for (const place of [...this.held.keys()]) this.drop(place);
  }

  /** How many sessions are held now. */
  get size(): number {
    return this.held.size;
  }

  private drop(place: string): void {
    const h = this.held.get(place);
    if (!h) return;
    this.held.delete(place);
    // Released through the runtime's queue, after any run already queued on it.
    void h.model.then((m) => m.release(), () => undefined).catch(() => undefined);
  }
}
