/**
 * A trained model's attention maps on one example: the inspect graph (the one the page's views
 * are drawn from) built at the example's length with its weights as inputs, fed a trainer's state
 * by name. The experiment runner (experiment.ts) reads head statistics and the residual stream's
 * size from it after training and at every held-out evaluation.
 *
 * σReparam models compile with spectral 'power' and are fed the trainer's sigma_u vectors, as the
 * trainer's own evaluation graph is (step.ts): the σ the model trained with, not one recomputed.
 */
import { compile } from '../compiler/compile';
import { toOnnxBytes } from '../graph/onnx';
import { headEntropies } from '../analysis/entropy';
import { headStats } from '../analysis/headStats';
import { rowSupport } from '../analysis/maps';
import { residualSummary } from '../analysis/residual';
import { layerSchedule } from '../spec/schedule';
import type { HeadStat } from '../spec/experiment';
import type { Spec } from '../spec/types';
import type { OrtLike, OrtTensor } from './trainer';

/** What the inspect graph shows of one example. */
export interface ProbeResult {
  T: number;
  H: number;
  tokens: number[];
  /** Per layer run: attention weights [H, T, T] (row t the query). */
  maps: Float32Array[];
  /** Per layer run: each row's entropy in nats [H, T], as the graph computes it. */
  entropy: Float32Array[];
  /** Per layer run: how many keys get a nonzero weight in each row [H, T] (analysis/maps.ts rowSupport). */
  support: Uint16Array[];
  /** RMS of the residual stream [depths, T]: row 0 after the embeddings, row r + 1 after layer run r. */
  residRms: Float32Array;
}

/** A session of the inspect graph of `spec` at the probe's length; `run` feeds it a state, `release` frees it. */
export interface Probe {
  run(state: ReadonlyMap<string, Float32Array>): Promise<ProbeResult>;
  release(): Promise<void>;
}

/** Builds the probe of `spec` (its seed does not matter: the weights are fed) on `tokens`. */
export async function makeProbe(ort: OrtLike, spec: Spec, tokens: readonly number[], providers: string[] = ['wasm']): Promise<Probe> {
  const T = tokens.length;
  const graph = compile(spec, { T, mode: 'inspect', weights: 'inputs', ...(spec.sigmaReparam.enabled ? { spectral: 'power' as const } : {}) });
  const session = await ort.InferenceSession.create(toOnnxBytes(graph), { executionProviders: providers, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  const runs = layerSchedule(spec).length;
  const H = spec.nHeads;
  const tokenTensor = () => new ort.Tensor('int64', BigInt64Array.from(tokens, (v) => BigInt(v)), [1, T]);
  return {
    async run(state) {
      const feeds: Record<string, OrtTensor> = { tokens: tokenTensor() };
      for (const input of graph.inputs) {
        if (input.name === 'tokens') continue;
        const value = state.get(input.name);
        if (!value) throw new Error(`no value for the inspect graph's input ${input.name}`);
        feeds[input.name] = new ort.Tensor('float32', value, [...input.shape]);
      }
      const out = await session.run(feeds);
      const data = async (name: string) => {
        const t = out[name];
        if (!t) throw new Error(`the inspect graph has no output ${name}`);
        return Float32Array.from((await t.getData()) as Float32Array);
      };
      try {
        const maps: Float32Array[] = [];
        const entropy: Float32Array[] = [];
        for (let r = 0; r < runs; r++) {
          maps.push(await data(`attn_probs.${r}`));
          entropy.push(await data(`attn_entropy.${r}`));
        }
        return { T, H, tokens: [...tokens], maps, entropy, support: maps.map((m) => rowSupport(m, H, T)), residRms: await data('resid_rms') };
      } finally {
        Object.values(out).forEach((t) => t.dispose());
      }
    },
    release: () => session.release(),
  };
}

/**
 * Head statistic `stat` of layer run `layer` on a probe: that head's with `head`, else the highest
 * over the heads (the lowest for entropy). Entropy is the mean over rows of entropy / log(keys the
 * row uses), as the entropy view shows it (analysis/entropy.ts). Null when it has no value (no
 * repeated token for induction; the layer run or head does not exist).
 */
export function headMeasure(p: ProbeResult, stat: HeadStat, layer: number, head?: number): number | null {
  const map = p.maps[layer];
  if (!map) return null;
  const values: (number | null)[] =
    stat === 'entropy'
      ? headEntropies(p.entropy[layer]!, p.support[layer]!, p.H, p.T).map((e) => (Number.isNaN(e.meanFraction) ? null : e.meanFraction))
      : headStats(map, p.tokens, p.H).map((s) => s[stat]);
  if (head !== undefined) return values[head] ?? null;
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (!known.length) return null;
  return stat === 'entropy' ? Math.min(...known) : Math.max(...known);
}

/** Mean RMS over positions of the residual stream at depth `after`: 0 after the embeddings, k after the k-th layer run (counting from 1), −1 after the last. */
export function residualMeasure(p: ProbeResult, after: number): number | null {
  const depths = residualSummary(p.residRms, p.T);
  const row = after < 0 ? depths.length + after : after;
  return depths[row]?.mean ?? null;
}
