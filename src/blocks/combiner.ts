/**
 * Combiner / core-context attention: every token attends directly to the tokens of its own group
 * (and of `window` neighbouring groups) and, through one summary each, to every other group (the
 * earlier ones when causal), in ONE softmax over both kinds of key.
 * Papers: "Combiner: Full Attention Transformer with Sparse Computation Cost" (Ren et al.,
 * NeurIPS 2021), its Combiner-Fixed factorisation; "Core Context Aware Attention for Long Context
 * Language Modeling" (Chen et al., 2024; ICML 2025 as "Core Context Aware Transformers …").
 *
 * Groups of C tokens (groups.ts). Per head, with queries already scaled by 1/√headDim:
 *   summary query of group g:  q̄_g = mean_j q_j | max_j q_j (Combiner)  or  q_last(g) (CCA)
 *   pooling weights:           w_gj = softmax_{j ∈ g}(q̄_g · k_j)
 *   summary value:             v̄_g = Σ_{j∈g} w_gj v_j
 *   summary key:               k̄_g = mean_j k_j | max_j k_j (Combiner)  or  Σ_{j∈g} w_gj k_j (CCA)
 *   direct keys of token i:    D(i) = { j : 0 ≤ g(i) − g(j) ≤ window, j ≤ i }  (causal)
 *                                     { j : |g(i) − g(j)| ≤ window }           (bidirectional)
 *   summarised groups of i:    S(i) = { g : g < g(i) − window }   |   { g : |g − g(i)| > window }
 *   one softmax over D(i) ∪ S(i):  p_ij ∝ exp(q_i·k_j),  p_ig ∝ exp(q_i·k̄_g)
 *   y_i = Σ_{j∈D(i)} p_ij v_j + Σ_{g∈S(i)} p_ig v̄_g,   then concat over heads and W_O.
 * Exact implicit map (the weights w never depend on v): A_ij = p_ij [j ∈ D(i)] + p_{i,g(j)} w_{g(j),j}
 * [g(j) ∈ S(i)]. Every key is reached once, so each row is a distribution over all visible tokens
 * (full attention in the Combiner sense). Inspect builds A [B, H, T, T] and y = A V.
 *
 * Checked against the authors' code:
 * - Combiner (google-research/google-research, combiner/combiner/tf/approx_attention.py,
 *   `sqrt_fixed_full`): queries scaled by head_size^−0.5 in get_qkv (attention.py); the pooled
 *   query `merged_query` = pooling_summary of the segment's queries ("identity-mean" / "-max");
 *   `span_val` = dot_product_attention(merged_query, segment keys, segment values) — our v̄;
 *   `span_key` = pooling_summary of the segment's keys — our k̄; local logits causally masked
 *   inside the segment; `prev_logits` = q_i · span_key masked to strictly earlier segments
 *   (causal); joint_logits = concat(local, prev) → ONE softmax → local_att · V + prev_att · span_val.
 *   Their bidirectional path leaves prev_logits unmasked, so a token also sees its own segment's
 *   summary on top of its direct keys; we follow the paper's partition instead (direct own group,
 *   summaries of the OTHER groups), so no token is counted twice.
 * - CCA (chenyaofo/CCA-Attention, codebase/core/cca_pooling.py): weights = softmax over the group
 *   of (query of the group's LAST token · keys) / √head_size; core key and value = the same
 *   weights applied to the group's keys and values (`_weight_pooling`). cca.py (Triton kernel):
 *   local keys j ≤ i with i − j < ((i + 1) mod g) + w, core token m visible when
 *   ⌊(i − (g − 1) − w) / g⌋ ≥ m, one online softmax over both (the keys concatenated). With the
 *   window a multiple of the group (as the paper asks), that is our rule with window = w / g, except
 *   that the kernel lets the LAST token of each group see the farthest window group through its
 *   (then complete) core token instead of directly; here every token of a group sees the same
 *   groups directly (simplification; the difference is one group for one token in C).
 *
 * Decisions: groups are contiguous from position 0, the last one short when C ∤ T (its mean/max
 * and softmax run over its real tokens only). The causal summaries are of complete earlier groups
 * only, so no token sees the future. RoPE (if the model uses it) rotates queries and keys before
 * pooling; additive position biases (ALiBi, T5) are not applied (the summary logits have no single
 * key position). Fast mode: per group a [C, (window + 1)·C] direct block (2·window + 1 bidirectional)
 * and a [C, n] summary block: O(T·(window·C + T / C)), O(T^1.5) at C ≈ √T as in the paper; no T × T
 * tensor.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { fromGroups, groupHeads, groupAttention, groupIndices, groupLast, groupMax, groupMean, spreadGroups, toGroups } from './groups';
import { allOf, mergeHeads } from './nn';

type Summary = 'mean' | 'max' | 'core';

/** Per-group summaries: weights w [B, H, n, 1, C], keys k̄ and values v̄ [B, H, n, 1, hd]. */
function summaries(ctx: BlockContext, qg: Tensor, kg: Tensor, vg: Tensor, C: number, summary: Summary) {
  const { b } = ctx;
  const pool = (t: Tensor) => (summary === 'max' ? groupMax(ctx, t, C) : groupMean(ctx, t, C));
  const qbar = summary === 'core' ? b.reduceSum(b.mul(qg, groupLast(ctx, C)), [3], true) : pool(qg); // [B, H, n, 1, hd]
  const w = groupAttention(ctx, qbar, kg, C); // [B, H, n, 1, C]
  const kbar = summary === 'core' ? b.matmul(w, kg) : pool(kg);
  return { w, kbar, vbar: b.matmul(w, vg) };
}

/** Bool [1, 1, T or n, C or 1, n]-broadcastable: group g is summarised for a query in group gq. */
function summaryVisible(ctx: BlockContext, gq: Tensor, g: Tensor, window: number, causal: boolean): Tensor {
  const { b } = ctx;
  const diff = b.sub(gq, g); // g(i) − g
  return causal ? b.greater(diff, b.scalar(window)) : b.greater(b.abs(diff), b.scalar(window));
}

export default defineBlock({
  kind: 'combiner',
  slot: 'mixer',
  title: 'Combiner / core-context attention',
  paper: 'Combiner: Full Attention Transformer with Sparse Computation Cost',
  explanation:
    'Full attention at a fraction of the cost: the sequence is cut into groups of tokens. Each ' +
    'token attends directly to the tokens of its own group, and to every other group (in a ' +
    'decoder, every earlier group) through one summary token, all in one softmax. A summary is ' +
    'an attention-weighted average of its group, so the map, spread back over the group, still ' +
    'reaches every token. "core" pools each group the way Core Context Aware attention does.',
  map: 'implicit',
  doc: `
**Papers:** "Combiner: Full Attention Transformer with Sparse Computation Cost" (Ren et al.,
NeurIPS 2021), Combiner-Fixed; "Core Context Aware Attention for Long Context Language Modeling"
(Chen et al., 2024/ICML 2025) for \`summary: "core"\` and \`window\`.
**Math:** groups of C tokens; per group a summary query q̄_g (mean or max of the group's queries,
or its last query for "core"), pooling weights w_gj = softmax_{j∈g}(q̄_g·k_j/√d), summary value
v̄_g = Σ w_gj v_j and summary key k̄_g (mean / max of keys, or Σ w_gj k_j for "core"). Token i
attends directly to its own group and \`window\` neighbouring groups (causally masked) and to the
summaries of the remaining groups (the earlier ones when causal), in one softmax.
**Map (exact implicit):** A_ij = p_ij for direct keys, p_{i,g(j)}·w_{g(j),j} for summarised ones;
every row is a distribution over all visible tokens.
**Checked:** the authors' code (google-research combiner \`sqrt_fixed_full\`; chenyaofo/CCA-Attention
\`cca_pooling.py\`, \`cca.py\`). Differences, on purpose: bidirectional summaries cover the other
groups only (the Combiner code also adds the own group's summary); the CCA kernel's last token of a
group sees the farthest window group through its core token rather than directly; ALiBi/T5 biases
are not applied. **Fast path:** O(T·(window·C + T/C)), no T×T tensor.
**Decoding:** generic (inputs cached, recomputed each step): a cheaper exact form exists (a K/V ring
of the direct groups plus one summary key and value per completed group) but was not built in the
time given; with CLEX its summaries would hold keys rotated at earlier lengths.
`,
  params: z.object({
    block: z.number().int().min(1).max(64).describe('tokens per group (C)').default(4),
    window: z.number().int().min(0).max(8).describe('neighbouring groups attended directly (CCA local window / C)').default(0),
    summary: z.enum(['mean', 'max', 'core']).describe('mean/max: Combiner pooling; core: CCA last-query weighting').default('mean'),
    causal: z.boolean().default(true),
  }),
  emit(ctx, x, p) {
    const { b, T, dModel: d, headDim: hd } = ctx;
    const { C, n, q, k, v } = groupHeads(ctx, x, p.block); // q, k, v [B, H, T, hd], q scaled by 1/√hd
    const [qg, kg, vg] = [q, k, v].map((t) => toGroups(ctx, t, C)); // [B, H, n, C, hd]
    const { w, kbar, vbar } = summaries(ctx, qg!, kg!, vg!, C, p.summary);
    const S = p.causal ? p.window + 1 : 2 * p.window + 1; // direct groups per query group

    if (ctx.mode === 'inspect') {
      // Direct logits over all T keys, masked to D(i); summary logits [B, H, T, n], masked to S(i).
      const { rows, cols, groups } = groupIndices(ctx, C);
      const gdiff = b.sub(rows, cols); // g(i) − g(j), [T, T]
      const near = p.causal
        ? allOf(ctx, b.greaterOrEqual(gdiff, b.scalar(0)), b.lessOrEqual(gdiff, b.scalar(p.window)), causalOf(ctx))
        : b.lessOrEqual(b.abs(gdiff), b.scalar(p.window));
      const direct = b.where(near, b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.scalar(-1e9)); // [B, H, T, T]
      const kb = b.reshape(kbar, [kbar.shape[0]!, kbar.shape[1]!, n, hd]);
      const far = b.where(summaryVisible(ctx, rows, groups, p.window, p.causal), b.matmul(q, b.transpose(kb, [0, 1, 3, 2])), b.scalar(-1e9)); // [B, H, T, n]
      const joint = b.softmax(b.concat([direct, far], -1), -1);
      const pd = b.slice(joint, [3], [0], [T]);
      const ps = b.slice(joint, [3], [T], [T + n]); // [B, H, T, n]
      const wg = b.reshape(w, [w.shape[0]!, w.shape[1]!, n, C]);
      const probs = b.add(pd, b.matmul(ps, spreadGroups(ctx, wg))); // [B, H, T, T]
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), d, d, 'o'), probs };
    }

    // Fast: keys and values of the S direct groups of each group, side by side: [B, H, n, S·C, hd].
    const before = p.window;
    const after = p.causal ? 0 : p.window;
    const windowed = (t: Tensor) => {
      const rank = t.shape.length;
      const padded = b.pad(t, t.shape.map((_, i) => (i === 2 ? before : 0)), t.shape.map((_, i) => (i === 2 ? after : 0))); // [B, H, n + before + after, C, hd]
      const slots = Array.from({ length: S }, (_, s) => b.slice(padded, [2], [s], [s + n])); // group g − before + s
      return S === 1 ? slots[0]! : b.concat(slots, rank - 2);
    };
    const kw = windowed(kg!);
    const vw = windowed(vg!);
    const direct = b.where(directMask(ctx, C, n, S, before, p.causal), b.matmul(qg!, b.transpose(kw, [0, 1, 2, 4, 3])), b.scalar(-1e9)); // [B, H, n, C, S·C]
    const [B_, H_] = [kbar.shape[0]!, kbar.shape[1]!];
    const kb = b.reshape(kbar, [B_, H_, 1, n, hd]);
    const gq = b.constant('query_group', 'float32', [n, 1, 1], Array.from({ length: n }, (_, g) => g));
    const gk = b.constant('key_group', 'float32', [1, 1, n], Array.from({ length: n }, (_, g) => g));
    const far = b.where(summaryVisible(ctx, gq, gk, p.window, p.causal), b.matmul(qg!, b.transpose(kb, [0, 1, 2, 4, 3])), b.scalar(-1e9)); // [B, H, n, C, n]
    const joint = b.softmax(b.concat([direct, far], -1), -1);
    const pd = b.slice(joint, [4], [0], [S * C]);
    const ps = b.slice(joint, [4], [S * C], [S * C + n]);
    const out = b.add(b.matmul(pd, vw), b.matmul(ps, b.reshape(vbar, [B_, H_, 1, n, hd]))); // [B, H, n, C, hd]
    return { y: ctx.linear(mergeHeads(ctx, fromGroups(ctx, out, T)), d, d, 'o') };
  },
});

/** Bool [T, T]: j ≤ i. */
function causalOf(ctx: BlockContext): Tensor {
  const { b, T } = ctx;
  const idx = Array.from({ length: T }, (_, i) => i);
  return b.greaterOrEqual(b.constant('query_index', 'float32', [T, 1], idx), b.constant('key_index', 'float32', [1, T], idx));
}

/**
 * Bool [n, C, S·C]: in the fast layout, query t of group g may see slot s, position u (the token at
 * (g − before + s)·C + u): that token exists (0 ≤ it < T) and, when causal, is not after the query.
 */
function directMask(ctx: BlockContext, C: number, n: number, S: number, before: number, causal: boolean): Tensor {
  const { b, T } = ctx;
  const qpos = b.constant('query_pos', 'float32', [n, C, 1], Array.from({ length: n * C }, (_, i) => i));
  const kpos = b.constant('key_pos', 'float32', [n, 1, S * C], Array.from({ length: n * S * C }, (_, i) => {
    const g = Math.floor(i / (S * C));
    const r = i % (S * C);
    return (g - before + Math.floor(r / C)) * C + (r % C);
  }));
  const exists = allOf(ctx, b.greaterOrEqual(kpos, b.scalar(0)), b.less(kpos, b.scalar(T)));
  return causal ? allOf(ctx, exists, b.lessOrEqual(kpos, qpos)) : exists;
}
