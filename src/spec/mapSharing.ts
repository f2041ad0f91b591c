/**
 * Attention-map sharing across layers (EchoAtt): a mixer that copies the attention probabilities
 * of an earlier layer run names it by its parameter `from`:
 *
 *   from < 0   relative: the run |from| runs back (−1: the run just before this one)
 *   from ≥ 0   absolute: spec layer `from`, its latest run before this one
 *
 * Runs are the layer schedule's (loops unrolled), so inside a loop "−1" is a different run on
 * each pass, and an absolute layer inside the same loop is its run of the same or the previous pass.
 * The compiler, the spec check, the wiring diagram and the map's badge all resolve it here.
 * (The registry is read only inside functions: blocks/echoAttention.ts imports this file.)
 */
import { findBlock } from '../blocks/registry';
import { layerSchedule, runName, type LayerRun } from './schedule';
import type { Spec } from './types';

/** The run whose map run `r` copies when its `from` is `from`, or why there is none. */
export function sourceRun(from: number, r: number, runs: readonly LayerRun[]): number | string {
  const here = runs[r] ? runName(runs[r]) : `run ${r + 1}`;
  if (from < 0) {
    const s = r + from;
    return s >= 0 ? s : `there is no layer run ${-from} before ${here} (it is run ${r + 1} of the stack)`;
  }
  for (let s = r - 1; s >= 0; s--) if (runs[s]!.layer === from) return s;
  return `layer ${from} does not run before ${here}`;
}

/** Whether the mixer of `layer` copies an earlier map. */
const copies = (spec: Pick<Spec, 'layers'>, layer: number): boolean => Boolean(findBlock('mixer', spec.layers[layer]!.mixer.kind)?.copiesMap);

/** For each layer run, the run whose map its mixer copies; null for a mixer that computes its own (or an unresolved `from`). */
export function mapSources(spec: Pick<Spec, 'layers' | 'loops'>): (number | null)[] {
  const runs = layerSchedule(spec);
  return runs.map((run, r) => {
    if (!copies(spec, run.layer)) return null;
    const s = sourceRun(Number(spec.layers[run.layer]!.mixer.params['from']), r, runs);
    return typeof s === 'number' ? s : null;
  });
}

/**
 * Why the mixer of `layer` cannot copy what its `from` names, on any of its runs, or null. The map
 * copied must be attention probabilities: the source's mixer must declare an explicit map (rows
 * of non-negative weights summing to 1). An implicit map (a signed linearisation) is not one.
 */
export function mapSourceProblem(spec: Spec, layer: number): string | null {
  const runs = layerSchedule(spec);
  const from = Number(spec.layers[layer]!.mixer.params['from']);
  for (let r = 0; r < runs.length; r++) {
    if (runs[r]!.layer !== layer) continue;
    const s = sourceRun(from, r, runs);
    if (typeof s === 'string') return `parameter "from" (${from}) names no earlier layer: ${s}`;
    const source = spec.layers[runs[s]!.layer]!.mixer;
    const info = findBlock('mixer', source.kind);
    if (info?.map !== 'explicit') {
      return `parameter "from" (${from}) names ${runName(runs[s]!)}, whose mixer (${info?.title ?? source.kind}) has no attention probabilities to copy: its map is ${info?.map ?? 'missing'}, not explicit`;
    }
  }
  return null;
}
