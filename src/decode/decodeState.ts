/**
 * What a model keeps between tokens when it decodes: each layer run's mixer state as its block
 * declares it (src/blocks/define.ts StateDecl), with its size. The serving projection and the docs
 * read it; the decode graph's state inputs have exactly these shapes (plus the batch axis).
 */
import { findBlock } from '../blocks/registry';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';
import { validateSpec } from '../spec/schema';
import { decodeFormOf } from './forms';
import { genericState } from './generic';

const FLOAT32 = 4;

export interface StateEntry {
  /** The layer run (loops unrolled) and the spec layer it runs. */
  run: number;
  layer: number;
  /** The state tensor's name: the graph input is state.<run>.<name>. */
  name: string;
  kind: 'cache' | 'recurrent';
  /** 'declared' by the block, or 'generic' (the mixer's inputs, recomputed each step). */
  form: 'declared' | 'generic';
  /** Shape per sequence at capacity C. */
  shape: number[];
  /** Bytes per sequence at capacity C, float32. */
  bytes: number;
  /** Bytes one more token of context adds (0 for recurrent state and for a full window). */
  bytesPerToken: number;
  note: string;
}

const numel = (shape: number[]) => shape.reduce((a, n) => a * n, 1);

/**
 * Every run's decode state at capacity C (float32, per sequence). A run whose mixer cannot decode
 * (bidirectional, or a block with no token-by-token form) is listed in `refused` with the reason;
 * a dropped mixer keeps no state.
 */
export function decodeState(rawSpec: Spec, C: number): { entries: StateEntry[]; refused: { run: number; layer: number; reason: string }[] } {
  const checked = validateSpec(rawSpec);
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  const spec = checked.spec;
  const model = { dModel: spec.dModel, nHeads: spec.nHeads, maxLen: spec.maxLen };
  const entries: StateEntry[] = [];
  const refused: { run: number; layer: number; reason: string }[] = [];
  layerSchedule(spec).forEach((run, r) => {
    const layer = spec.layers[run.layer]!;
    if (layer.drop?.mixer) return;
    const mixer = findBlock('mixer', layer.mixer.kind)!;
    const form = decodeFormOf(mixer, layer.mixer.params, spec.position);
    if ('none' in form) {
      refused.push({ run: r, layer: run.layer, reason: form.none });
      return;
    }
    const decls = form.kind === 'declared' ? form.state(layer.mixer.params, model) : genericState(spec.dModel);
    for (const d of decls) {
      const shape = d.shape(C);
      const grown = C < spec.maxLen ? numel(d.shape(C + 1)) - numel(shape) : numel(shape) - numel(d.shape(C - 1));
      entries.push({
        run: r,
        layer: run.layer,
        name: d.name,
        kind: d.kind,
        form: form.kind,
        shape,
        bytes: FLOAT32 * numel(shape),
        bytesPerToken: d.kind === 'cache' ? FLOAT32 * Math.max(0, grown) : 0,
        note: d.note,
      });
    }
  });
  return { entries, refused };
}
