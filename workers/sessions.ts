/**
 * The sessions a worker keeps between requests: per model slot (A, and B in compare mode) one
 * inspect and one fast session, each for one spec at one length. A request for the same spec at
 * the same length (an edit of the text that keeps its length, the latency figures of the result
 * on screen) runs on the session already made; a request for another replaces it, and the
 * replaced session is released. Shapes are static (masks, positions and spectral matrices are
 * built for T), so another length is another graph.
 */
import type { LoadedModel, Runtime } from '../src/runtime/ort';
import type { Spec } from '../src/spec/types';
import type { LatencyMode, ModelSlot } from './api';

interface Held {
  key: string;
  model: Promise<LoadedModel>;
}

export class Sessions {
  private readonly held = new Map<string, Held>();
  /** Sessions created so far (tests read it). */
  created = 0;

  constructor(readonly runtime: Runtime) {}

  /**
   * The `mode` session of `spec` at length `T` for `slot`: the held one when it is for the same
   * spec and length, else `build()` loaded (the held one released). `build` may throw (over the
   * budget): nothing is then held for that place. Inspect graphs run once per edit, so they are
   * loaded without graph optimisations; fast graphs are timed, so they get all of them.
   */
  get(slot: ModelSlot, mode: LatencyMode, spec: Spec, T: number, build: () => Uint8Array): Promise<LoadedModel> {
    const place = `${slot}:${mode}`;
    const key = `${T}:${JSON.stringify(spec)}`;
    const before = this.held.get(place);
    if (before?.key === key) return before.model;
    this.drop(place);
    const model = this.runtime.load(build(), { optimize: mode === 'fast' });
    this.created++;
    this.held.set(place, { key, model });
    model.catch(() => {
      if (this.held.get(place)?.model === model) this.held.delete(place);
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
