/**
 * What a model keeps between tokens when it decodes: each layer run's mixer state as its block
 * declares it (src/blocks/define.ts StateDecl), with its size. The serving projection and the docs
 * read it; the decode graph's state inputs have exactly these shapes (plus the batch axis).
 */
import { findBlock } from '../blocks/registry';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';
import { validateSpec } from '../spec/schema';
import { decodeFormOf, stackProblem } from './forms';
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

/**
 * How each layer run decodes, in words, for the page: "run 0: K/V cache · run 1: constant state ·
 * run 2: generic (recomputes its context each step)", or why the model cannot decode.
 */
export function decodeForms(spec: Spec): string {
  const { entries, refused } = decodeState(spec, 1);
  const whole = refused.find((r) => r.run < 0);
  if (whole) return `no decode graph: ${whole.reason}`;
  const runs = new Map<number, string>();
  for (const e of entries) {
    const form = e.form === 'generic' ? 'generic (recomputes its context each step)' : e.kind === 'cache' ? 'cache' : 'constant state';
    const known = runs.get(e.run);
    // A run keeps a cache if any of its tensors grows with the context.
    runs.set(e.run, known === 'cache' || form === 'cache' ? 'cache' : form);
  }
  for (const r of refused) runs.set(r.run, `cannot decode (${r.reason})`);
  return [...runs.entries()].sort(([a], [b]) => a - b).map(([r, f]) => `run ${r}: ${f}`).join(' · ') || 'no mixer state';
}

const numel = (shape: number[]) => shape.reduce((a, n) => a * n, 1);

/**
 * Every run's decode state at capacity C (float32, per sequence). A model no cache can follow
 * (forms.ts stackProblem) is listed in `refused` as run −1. A run whose mixer cannot decode
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
  const stack = stackProblem(spec); // the whole model: run −1
  if (stack) refused.push({ run: -1, layer: -1, reason: stack });
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
