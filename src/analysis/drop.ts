/**
 * Layer dropping by similarity ("What Matters in Transformers? Not All Attention is Needed", He,
 * Sun, Shen & Li, 2024; authors' code CASE-Lab-UMD/LLM-Drop, layer_drop.py).
 *
 * Similarity of a sub-block (mixer or feed-forward) = mean over tokens t of cos(X_t, Y_t), X the
 * hidden state it receives and Y the one it hands on (Y = X + F(N(X)) in a pre-norm layer). The
 * paper's importance is S = 1 − similarity; its drop order sorts the similarities in descending
 * order and drops the first n: the most similar, least important sub-blocks go first. The probes
 * `sim_mixer.r` / `sim_ffn.r` [T] of the inspect graph give the per-token cosines (blocks/residual.ts).
 *
 * What a drop costs is read against the full model on the same text: KL(full ‖ dropped) of the
 * next-token distributions, token by token, and the fast graphs' latencies.
 */

/** The sub-blocks a layer can drop. */
export type DropPart = 'mixer' | 'ffn';

/** Mean of the per-token similarities of each layer run's sub-blocks; null where there is no such sub-block (absent or dropped). */
export interface RunSimilarity {
  mixer: number | null;
  ffn: number | null;
}

/** One sub-block of the ranking: a layer of the spec, its part, and its similarity (averaged over the layer's runs). */
export interface RankedModule {
  layer: number;
  part: DropPart;
  similarity: number;
  /** 1 − similarity: the paper's importance score. */
  importance: number;
}

/** The arithmetic mean of `values` (null when empty). */
export function meanOf(values: ArrayLike<number> | undefined): number | null {
  if (!values || !values.length) return null;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i]!;
  return s / values.length;
}

/**
 * Every sub-block that has a similarity, most similar (most droppable) first; `layerOfRun[r]` is
 * the spec's layer that run r runs (src/spec/schedule.ts). A layer inside a
 * weight-shared loop runs several times; its similarity is the mean over its runs, since one
 * switch drops it from every run.
 */
export function rankModules(layerOfRun: readonly number[], runs: readonly RunSimilarity[]): RankedModule[] {
  const sums = new Map<string, { layer: number; part: DropPart; sum: number; n: number }>();
  layerOfRun.forEach((layer, r) => {
    for (const part of ['mixer', 'ffn'] as const) {
      const v = runs[r]?.[part];
      if (v === null || v === undefined || !Number.isFinite(v)) continue;
      const key = `${layer} ${part}`;
      const e = sums.get(key) ?? { layer, part, sum: 0, n: 0 };
      e.sum += v;
      e.n++;
      sums.set(key, e);
    }
  });
  return [...sums.values()]
    .map(({ layer, part, sum, n }) => ({ layer, part, similarity: sum / n, importance: 1 - sum / n }))
    .sort((a, b) => b.similarity - a.similarity || a.layer - b.layer || a.part.localeCompare(b.part));
}

/** KL(P ‖ Q) per token and its mean over tokens, in nats. */
export interface KlSummary {
  perToken: Float64Array;
  mean: number;
  max: number;
}

/**
 * KL(P ‖ Q) = Σ_v P_v (log P_v − log Q_v) for each of the T rows of `pLogits` and `qLogits`
 * ([T, V] next-token scores), with P = softmax(pLogits) (the full model) and Q = softmax(qLogits)
 * (the dropped one). Log-softmax is taken stably (max subtracted) in float64.
 */
export function klDivergence(pLogits: ArrayLike<number>, qLogits: ArrayLike<number>, T: number, V: number): KlSummary {
  if (pLogits.length !== T * V || qLogits.length !== T * V) throw new Error(`klDivergence: both logits need ${T} × ${V} values, got ${pLogits.length} and ${qLogits.length}`);
  const logSoftmax = (x: ArrayLike<number>, t: number): Float64Array => {
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, x[t * V + v]!);
    let sum = 0;
    for (let v = 0; v < V; v++) sum += Math.exp(x[t * V + v]! - max);
    const lse = max + Math.log(sum);
    return Float64Array.from({ length: V }, (_, v) => x[t * V + v]! - lse);
  };
  const perToken = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    const lp = logSoftmax(pLogits, t);
    const lq = logSoftmax(qLogits, t);
    let kl = 0;
    for (let v = 0; v < V; v++) kl += Math.exp(lp[v]!) * (lp[v]! - lq[v]!);
    perToken[t] = Math.max(0, kl); // ≥ 0 in exact arithmetic; rounding can leave −1e−17
  }
  return { perToken, mean: meanOf(perToken) ?? 0, max: T ? Math.max(...perToken) : 0 };
}
