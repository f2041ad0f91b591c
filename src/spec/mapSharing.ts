/**
 * Attention-map sharing across layers (EchoAtt), seen from the spec: which layer run's map each
 * run's mixer copies. The rule (`from` < 0: that many runs back; ≥ 0: that spec layer's latest
 * earlier run) is the block's own (blocks/echoAttention.ts sourceRun); the wiring diagram and the
 * map's badge resolve it here. (The registry is read only inside functions: no import cycle.)
 */
import { sourceRun } from '../blocks/echoAttention';
import { findBlock } from '../blocks/registry';
import { layerSchedule, runName } from './schedule';
import type { Spec } from './types';

/** Whether the mixer of `layer` copies an earlier map. */
const copies = (spec: Pick<Spec, 'layers'>, layer: number): boolean => Boolean(findBlock('mixer', spec.layers[layer]!.mixer.kind)?.copiesMap);

/** The `from` parameter of layer `layer`'s mixer, its default when the spec leaves it out. */
const fromOf = (spec: Pick<Spec, 'layers'>, layer: number): number => {
  const mixer = spec.layers[layer]!.mixer;
  return Number(mixer.params['from'] ?? findBlock('mixer', mixer.kind)?.defaults['from']);
};

/** For each layer run, the run whose map its mixer copies; null for a mixer that computes its own (or an unresolved `from`). */
export function mapSources(spec: Pick<Spec, 'layers' | 'loops'>): (number | null)[] {
  const runs = layerSchedule(spec).map((run) => ({ layer: run.layer, name: runName(run) }));
  return runs.map((run, r) => {
    if (!copies(spec, run.layer)) return null;
    const s = sourceRun(fromOf(spec, run.layer), r, runs);
    return typeof s === 'number' ? s : null;
  });
}

/** The spec layers whose maps the mixer of spec layer `layer` copies, over all its runs, in order (empty when none). */
export function copiedFromLayers(spec: Pick<Spec, 'layers' | 'loops'>, layer: number): number[] {
  const runs = layerSchedule(spec);
  const sources = mapSources(spec);
  const layers = runs.flatMap((run, r) => (run.layer === layer && sources[r] !== null ? [runs[sources[r]!]!.layer] : []));
  return [...new Set(layers)].sort((a, b) => a - b);
}
