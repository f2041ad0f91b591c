/**
 * The order in which layers run once weight-shared loops are unrolled. The compiler follows it,
 * and the views use it to name what they show: the i-th map is the i-th entry here.
 */
import type { Spec } from './types';

/** One run of a layer: which layer of the spec, and which pass of its loop (0 outside loops). */
export interface LayerRun {
  layer: number;
  pass: number;
}

/** Every layer run in order; a loop over layers a…b with count n runs a…b n times in a row. */
export function layerSchedule(spec: Pick<Spec, 'layers' | 'loops'>): LayerRun[] {
  const runs: LayerRun[] = [];
  let i = 0;
  while (i < spec.layers.length) {
    const loop = spec.loops.find((l) => l.start === i);
    if (!loop) {
      runs.push({ layer: i++, pass: 0 });
      continue;
    }
    for (let pass = 0; pass < loop.count; pass++) for (let l = loop.start; l <= loop.end; l++) runs.push({ layer: l, pass });
    i = loop.end + 1;
  }
  return runs;
}

/** How a run is named in messages and scopes: "layer 2", or "layer 2, pass 3" inside a loop. */
export const runName = (run: LayerRun): string => (run.pass ? `layer ${run.layer}, pass ${run.pass + 1}` : `layer ${run.layer}`);
