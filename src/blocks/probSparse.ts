/**
 * ProbSparse self-attention (Informer): only the u "active" queries attend; the lazy rest take
 * the mean of the values. Paper: "Informer: Beyond Efficient Transformer for Long Sequence
 * Time-Series Forecasting" (Zhou et al., AAAI 2021).
 *
 *   s_ij   = q_i · k_j / √headDim
 *   M(q_i) = max_{j ∈ S(i)} s_ij − mean_{j ∈ S(i)} s_ij    (sparsity measurement on U sampled keys S(i))
 *   Top    = the u queries with the largest M (ties: the lower position first)
 *   y_i    = Σ_j softmax_j(s_ij) v_j over the visible keys            for i ∈ Top
 *   y_i    = mean of v_j over the visible keys (all, or j ≤ i causal)  otherwise
 *   U = u = min(T, c · ⌈ln T⌉)   (c = `factor`, 5 in the paper)
 * The map is explicit: softmax rows for the active queries, uniform rows over the visible keys for
 * the lazy ones.
 *
 * Sources checked (zhouhaoyi/Informer2020, models/attn.py, ProbAttention):
 * - U_part = factor · ⌈ln L_K⌉ keys sampled per query and u = factor · ⌈ln L_Q⌉ queries kept, each
 *   capped at the length: as here (L_Q = L_K = T in self-attention).
 * - `_prob_QK`: M = max over the sampled products − (sum over the sampled products) / L_K, on the
 *   unscaled products, then `topk`. The paper's Eq. (4) is max − mean over all keys, estimated on
 *   the sample; dividing the sample's sum by L_K (not by the sample size) is a quirk of the code.
 *   We take the sample's mean (the paper's estimator). The 1/√d scale does not change the ranking.
 * - Keys are sampled with `torch.randint` per query (with replacement). Here the sample is
 *   deterministic so both paths and the reference agree: query i takes U keys stratified over
 *   its n_i visible keys, j_s(i) = ⌊(s + φ_i) · n_i / U⌋ for s = 0 … U − 1, with the per-query
 *   offset φ_i = frac((i + 1) · 0.618…) (golden-ratio sequence), so different queries see different
 *   keys and every stretch of the sequence is covered.
 * - `_get_initial_context`: lazy rows are V.mean (non-causal) or V.cumsum (causal). The cumsum
 *   is a known quirk (a growing sum, not an average); we use the cumulative MEAN, as the contract
 *   and the map (rows that sum to 1) require.
 * - `_update_context`: active rows are softmax(scale · Q_reduce Kᵀ) V, causally masked by ProbMask
 *   in the decoder.
 *
 * Decisions:
 * - Causal: the active rows are causally masked and the lazy rows average j ≤ i, as Informer's
 *   masked decoder attention. Informer samples keys from the whole sequence even when masked; we
 *   sample only visible keys (j ≤ i), so M(q_i) reads no future key. The top-u ranking is global,
 *   though: whether query i is active depends on the other queries' M, later ones included. That is
 *   a discrete look-ahead (no value of a future token reaches y_i, and no gradient flows through
 *   the choice), harmless for Informer's one-shot decoder; the doc says so.
 * - No gradient flows through the selection (ranks are piecewise constant): M is computed from
 *   detached queries and keys.
 * - Additive position biases (ALiBi, T5) are not applied: Informer has none, and the fast path
 *   would need a T × T bias. RoPE rotates queries and keys as usual; embedding positions apply.
 * - Fast path, O(T log T), no T × T tensor: M from the U sampled keys per query (Gather), then
 *   the top u picked in u rounds of "largest remaining M" (ReduceMax, Equal, and CumSum keeping the
 *   first of equal values: ONNX TopK's tie rule), each round O(T). TopK itself is not used: the
 *   WebGPU provider of onnxruntime-web has no kernel for it (test/graph/webgpuOps.test.ts keeps
 *   every block on the GPU), and u rounds of O(T) is the same O(T log T). The picks form a one-hot
 *   matrix S [u, T]: active queries S·Q, their attention [u, T] over all keys, the lazy
 *   mean (ReduceMean, or CumSum / count), and y = base + Sᵀ(active − S·base).
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { causalMask, mergeHeads, splitHeads } from './nn';

/** Informer's sample size and number of active queries: min(T, c · ⌈ln T⌉) each (0 at T = 1). */
export function probSparseSize(T: number, factor: number): number {
  return Math.min(T, factor * Math.ceil(Math.log(T)));
}

/** frac((i + 1) · (√5 − 1) / 2): the per-query offset of the stratified key sample. */
const offsetOf = (i: number): number => {
  const t = (i + 1) * 0.6180339887498949;
  return t - Math.floor(t);
};

/** The keys sampled for each query, row-major [T, U]: j_s(i) = ⌊(s + φ_i) · n_i / U⌋ over the n_i visible keys. */
export function sampledKeys(T: number, U: number, causal: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < T; i++) {
    const n = causal ? i + 1 : T;
    for (let s = 0; s < U; s++) out.push(Math.min(n - 1, Math.floor(((s + offsetOf(i)) * n) / U)));
  }
  return out;
}

/** M(q_i) = max − mean of the sampled scaled products, [B, H, T] (from detached q, k [B, H, T, hd]). */
function sparsity(ctx: BlockContext, q: Tensor, k: Tensor, U: number, causal: boolean): Tensor {
  const { b, B, T, nHeads: H, headDim: hd } = ctx;
  // Time-major, so that the sample is one Gather of rows and the products broadcast without copies.
  const idx = b.constant('sampled_keys', 'int64', [T, U], sampledKeys(T, U, causal));
  const sample = b.gather(b.transpose(k, [2, 0, 1, 3]), idx); // [T, U, B, H, hd]: key j_s(i)
  const query = b.reshape(b.transpose(q, [2, 0, 1, 3]), [T, 1, B, H, hd]);
  const s = b.mul(b.reduceSum(b.mul(query, sample), [4], false), b.scalar(1 / Math.sqrt(hd))); // [T, U, B, H]
  const m = b.sub(b.reduceMax(s, [1], false), b.reduceMean(s, [1], false)); // [T, B, H]
  return b.transpose(m, [1, 2, 0]); // [B, H, T]
}

/** One-hot rows [B, H, u, T] of the u largest entries of m [B, H, T], largest first, ties to the lower index. */
function topRows(ctx: BlockContext, m: Tensor, u: number): Tensor {
  const { b, B, T, nHeads: H } = ctx;
  let rest = m;
  const rows: Tensor[] = [];
  for (let r = 0; r < u; r++) {
    const hit = b.cast(b.equal(rest, b.reduceMax(rest, [-1], true)), 'float32'); // every entry equal to the max
    const first = b.mul(hit, b.cast(b.equal(b.cumSum(hit, -1), b.scalar(1)), 'float32')); // the lowest index of them
    rows.push(b.reshape(first, [B, H, 1, T]));
    rest = b.sub(rest, b.mul(first, b.scalar(1e30))); // taken: never the max again (u ≤ T)
  }
  return rows.length === 1 ? rows[0]! : b.concat(rows, 2);
}

/** The lazy rows' map [T, T] (causal: 1/(i + 1) for j ≤ i), or the scalar 1/T (every key). */
function lazyMap(ctx: BlockContext, causal: boolean): Tensor {
  const { b, T } = ctx;
  if (!causal) return b.scalar(1 / T);
  const member = b.cast(causalMask(ctx), 'float32'); // [T, T]
  return b.div(member, b.reduceSum(member, [-1], true));
}

export default defineBlock({
  kind: 'prob_sparse',
  slot: 'mixer',
  title: 'ProbSparse attention (Informer)',
  paper: 'Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting',
  explanation:
    'Most queries of a trained transformer attend almost uniformly; a few attend sharply. ' +
    'ProbSparse attention measures how far each query is from uniform (the max minus the mean of ' +
    'its scores, estimated on a small sample of keys), lets only the c · ln T most peaked queries ' +
    'attend, and gives every other query the plain average of the values. The map shows the few ' +
    'active rows as ordinary attention rows and the rest as flat rows; the cost is O(T log T).',
  map: 'explicit',
  doc: `
**Paper:** "Informer: Beyond Efficient Transformer for Long Sequence Time-Series Forecasting"
(Zhou et al., AAAI 2021). Checked against the authors' code (zhouhaoyi/Informer2020,
\`models/attn.py\`, ProbAttention).
**Math:** s_ij = q_i·k_j/√d. Sparsity M(q_i) = max_j s_ij − mean_j s_ij over U sampled keys;
the u = min(T, c·⌈ln T⌉) queries with the largest M attend with softmax over their visible keys;
the others take the mean of the visible values (all of them, or j ≤ i when causal). U = u
(c = \`factor\`, 5 in the paper). Ties in M go to the lower position (ONNX TopK's rule).
**Deterministic sample:** the code samples keys at random per query; here query i takes the
stratified sample j_s(i) = ⌊(s + φ_i)·n_i/U⌋ of its n_i visible keys, with a golden-ratio offset
φ_i per query, the same in both paths.
**Differences from the code (on purpose):** M uses the sample's mean (the code divides the
sample's sum by L_K, a scaled mean); lazy causal rows are the cumulative *mean* of V (the code's
cumsum is a growing sum); causal queries sample only keys j ≤ i (the code samples all keys even
in the masked decoder). **Causality caveat:** the choice of the top u is a ranking over the whole
sequence, so whether query i is active can depend on later queries' M (a discrete look-ahead; no
future value reaches y_i). Informer's decoder is one-shot, so this did not matter there.
No gradient flows through the selection. Additive position biases (ALiBi, T5) are not applied.
**Map:** explicit: softmax rows for active queries, uniform rows for lazy ones.
**Fast path (O(T log T), no T × T tensor):** M from the sampled keys (Gather); the top u in u
rounds of ReduceMax / Equal / CumSum (TopK has no WebGPU kernel in onnxruntime-web); a one-hot
[u, T] matrix gathers the active queries and scatters their rows back by MatMul.

**Decoding:** none: which queries are active depends on the whole sequence, so the page generates with the forward pass at each length.
`,
  params: z.object({
    factor: z.number().int().min(1).max(20).describe('c: u = c·⌈ln T⌉ active queries and sampled keys').default(5),
    causal: z.boolean().default(true),
  }),
  decode: {
    none:
      'which queries are active depends on the whole sequence (their sparsity against a sample of all keys, and u = c·⌈ln T⌉), so a token-by-token pass cannot reproduce the forward pass; generation runs the forward pass at each length',
  },
  emit(ctx, x, p) {
    const { b, B, T, dModel: d, headDim: hd } = ctx;
    const q = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'q'))); // [B, H, T, hd]
    const k = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'k')));
    const v = splitHeads(ctx, ctx.linear(x, d, d, 'v'));
    const u = probSparseSize(T, p.factor);
    // The active queries, one one-hot row each [B, H, u, T]; none at T = 1 (ln 1 = 0).
    const pick = u > 0 ? topRows(ctx, sparsity(ctx, b.detach(q), b.detach(k), u, p.causal), u) : null;
    const kT = b.transpose(k, [0, 1, 3, 2]); // [B, H, hd, T]
    const scale = b.scalar(1 / Math.sqrt(hd));
    const out = (heads: Tensor) => ({ y: ctx.linear(mergeHeads(ctx, heads), d, d, 'o') });

    if (ctx.mode === 'inspect') {
      const logits = b.mul(b.matmul(q, kT), scale); // [B, H, T, T]
      const full = b.softmax(p.causal ? b.where(causalMask(ctx), logits, b.scalar(-1e9)) : logits, -1);
      const active = pick ? b.reshape(b.reduceSum(pick, [2], false), [B, ctx.nHeads, T, 1]) : b.constant('none_active', 'float32', [1, 1, T, 1], new Array(T).fill(0));
      const probs = b.add(b.mul(active, full), b.mul(b.sub(b.scalar(1), active), lazyMap(ctx, p.causal))); // [B, H, T, T]
      return { ...out(b.matmul(probs, v)), probs };
    }

    // Lazy rows: the mean of the visible values.
    const base = p.causal
      ? b.mul(b.cumSum(v, 2), b.constant('inv_count', 'float32', [T, 1], Array.from({ length: T }, (_, i) => 1 / (i + 1)))) // [B, H, T, hd]
      : b.reduceMean(v, [2], true); // [B, H, 1, hd]
    if (!pick) return out(p.causal ? base : b.expand(base, [B, ctx.nHeads, T, hd]));
    let logits = b.mul(b.matmul(b.matmul(pick, q), kT), scale); // [B, H, u, T]: the active queries' scores
    if (p.causal) {
      const idx = Array.from({ length: T }, (_, i) => i);
      const position = b.matmul(pick, b.constant('query_position', 'float32', [T, 1], idx)); // [B, H, u, 1]
      const visible = b.lessOrEqual(b.constant('key_position', 'float32', [1, T], idx), position); // [B, H, u, T]
      logits = b.where(visible, logits, b.scalar(-1e9));
    }
    const active = b.matmul(b.softmax(logits, -1), v); // [B, H, u, hd]
    const baseActive = p.causal ? b.matmul(pick, base) : base;
    return out(b.add(base, b.matmul(b.transpose(pick, [0, 1, 3, 2]), b.sub(active, baseActive)))); // [B, H, T, hd]
  },
});
