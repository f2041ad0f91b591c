/**
 * Decoding with a decode graph (compile mode 'decode'): one session, one token per run. The driver
 * keeps the model's state between runs: it starts every state tensor at zero, feeds the token, its
 * position and the state, and takes next.state.* back as the state of the next step.
 *
 * The prompt is fed the same way, one token at a time (its logits are returned too): a separate
 * prefill graph that fills the state in one pass is not built. The state travels through the CPU
 * between steps, on WebGPU too (transformers.js keeps it on the GPU; onnxruntime-web's IO binding
 * of outputs as inputs is not used here).
 */
import type { InputTensor, LoadedModel, OutputTensor } from '../runtime/ort';
import type { Spec } from '../spec/types';
import { decodeState } from './decodeState';

/** What one step returns: the next-token logits [V], and with a rows graph each cache run's weights over its slots [H · slots]. */
export interface StepResult {
  logits: Float32Array;
  rows: Map<number, OutputTensor>;
}

export interface DecodeRun {
  /** The position the next token takes (the number of tokens fed so far). */
  readonly position: number;
  /** The cache capacity: the most tokens this run can hold. */
  readonly capacity: number;
  /** Feeds one token; `keep` gives each cache run's keep mask [H · slots] for the eviction re-run (graphs compiled with `evict`). */
  step(token: number, keep?: (run: number, heads: number, slots: number) => Float32Array): Promise<StepResult>;
}

/**
 * Starts decoding `spec` on `model`, a session of its decode graph at capacity C (batch 1), with
 * every state at zero. The model's weights, if the graph takes them as inputs, must be set already.
 */
export function startDecoding(model: LoadedModel, spec: Spec, C: number): DecodeRun {
  const { entries } = decodeState(spec, C);
  let state: InputTensor[] = entries.map((e) => ({ name: `state.${e.run}.${e.name}`, dims: [1, ...e.shape], data: new Float32Array(e.bytes / 4) }));
  const keepInputs = model.weightNames.filter((n) => n.startsWith('keep.'));
  let position = 0;
  return {
    get position() {
      return position;
    },
    capacity: C,
    async step(token, keep) {
      if (position >= C) throw new Error(`the cache is full: it holds ${C} tokens (the decode graph's capacity)`);
      const fed: InputTensor[] = [...state, { name: 'position', dims: [1], data: Float32Array.of(position) }];
      for (const name of keepInputs) {
        if (!keep) throw new Error('this decode graph takes keep masks (compiled with evict): give them to step()');
        const run = Number(name.slice('keep.'.length));
        const rowOf = entries.find((e) => e.run === run && e.name === 'k');
        const [heads, slots] = [spec.nHeads, rowOf ? rowOf.shape[1]! : 0];
        fed.push({ name, dims: [1, heads, slots], data: keep(run, heads, slots) });
      }
      await model.setWeights(fed);
      const out = await model.run([token]);
      state = state.map((s) => {
        const next = out[`next.${s.name}`];
        if (!next) throw new Error(`the decode graph returned no next.${s.name}`);
        return { ...s, data: next.data };
      });
      position++;
      const rows = new Map<number, OutputTensor>();
      for (const [name, t] of Object.entries(out)) if (name.startsWith('attn_row.')) rows.set(Number(name.slice('attn_row.'.length)), t);
      return { logits: out['logits']!.data, rows };
    },
  };
}
