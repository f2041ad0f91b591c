/**
 * What a token reduction changes in the model's output, in float64.
 *
 * The reduced model has T′ output rows; row i stands for the original tokens R[i, ·] weights (one
 * token when pruning, a group when merging). Its reference distribution is the same mixture of the
 * full model's next-token distributions:
 *
 *   P_i = Σ_j R[i, j] softmax(z_j)   (full model),   Q_i = softmax(z′_i)   (reduced model),
 *   KL_i = Σ_v P_i(v) (log P_i(v) − log Q_i(v)).
 *
 * For pruning P_i is the kept token's own distribution; with R = I every KL_i is 0.
 *
 * And the pooled state: the cosine between the full model's mean final hidden state over all T
 * tokens and the reduced model's size-weighted mean, a row's size being the share of the original
 * tokens it stands for, size_i = Σ_j R[i, j] / Σ_k R[k, j] (a kept token 1, a group of n merged
 * tokens n, a pruned token nothing). Both hidden states are what the unembedding reads.
 */

/** The output change of one reduction. */
export interface OutputChange {
  /** KL(P_i ‖ Q_i) per reduced token, nats. */
  klPerToken: Float64Array;
  klMean: number;
  klMax: number;
  /** cos(mean full hidden state, size-weighted mean reduced hidden state). */
  pooledCosine: number;
}

/** log softmax of row t of `z` [·, V], in float64. */
function logSoftmax(z: ArrayLike<number>, t: number, V: number): Float64Array {
  let max = -Infinity;
  for (let v = 0; v < V; v++) max = Math.max(max, z[t * V + v]!);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(z[t * V + v]! - max);
  const lse = max + Math.log(sum);
  return Float64Array.from({ length: V }, (_, v) => z[t * V + v]! - lse);
}

/** How each reduced row weighs in a pooled mean: size_i = Σ_j R[i, j] / Σ_k R[k, j] over the columns with weight. */
export function rowSizes(R: ArrayLike<number>, Tr: number, T: number): Float64Array {
  const col = new Float64Array(T);
  for (let i = 0; i < Tr; i++) for (let j = 0; j < T; j++) col[j] = col[j]! + R[i * T + j]!;
  const size = new Float64Array(Tr);
  for (let i = 0; i < Tr; i++) for (let j = 0; j < T; j++) if (col[j]! !== 0) size[i] = size[i]! + R[i * T + j]! / col[j]!;
  return size;
}

/**
 * The change from the full model (logits [T, V], hidden [T, d]) to the reduced one (logits [T′, V],
 * hidden [T′, d]) under R [T′, T].
 */
export function outputChange(
  R: ArrayLike<number>,
  full: { logits: ArrayLike<number>; hidden: ArrayLike<number> },
  reduced: { logits: ArrayLike<number>; hidden: ArrayLike<number> },
  T: number,
  Tr: number,
  V: number,
  d: number,
): OutputChange {
  if (R.length !== Tr * T) throw new Error(`outputChange: R needs ${Tr} × ${T} values, got ${R.length}`);
  const probs = Array.from({ length: T }, (_, j) => logSoftmax(full.logits, j, V).map(Math.exp));
  const klPerToken = new Float64Array(Tr);
  for (let i = 0; i < Tr; i++) {
    const p = new Float64Array(V);
    for (let j = 0; j < T; j++) {
      const w = R[i * T + j]!;
      if (w !== 0) for (let v = 0; v < V; v++) p[v] = p[v]! + w * probs[j]![v]!;
    }
    const lq = logSoftmax(reduced.logits, i, V);
    let kl = 0;
    for (let v = 0; v < V; v++) if (p[v]! > 0) kl += p[v]! * (Math.log(p[v]!) - lq[v]!);
    klPerToken[i] = Math.max(0, kl);
  }
  const size = rowSizes(R, Tr, T);
  const a = new Float64Array(d);
  const b = new Float64Array(d);
  for (let j = 0; j < T; j++) for (let k = 0; k < d; k++) a[k] = a[k]! + full.hidden[j * d + k]! / T;
  const total = size.reduce((s, v) => s + v, 0);
  for (let i = 0; i < Tr; i++) for (let k = 0; k < d; k++) b[k] = b[k]! + (size[i]! * reduced.hidden[i * d + k]!) / total;
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let k = 0; k < d; k++) {
    ab += a[k]! * b[k]!;
    aa += a[k]! * a[k]!;
    bb += b[k]! * b[k]!;
  }
  const klMean = Tr ? klPerToken.reduce((s, v) => s + v, 0) / Tr : 0;
  return { klPerToken, klMean, klMax: Tr ? Math.max(...klPerToken) : 0, pooledCosine: ab / Math.sqrt(aa * bb) };
}
