/**
 * Transformer in Transformer (TNT) in its 1-D token form: inner attention among the tokens
 * ("words") of each group, outer attention among the groups ("sentences"), the sentence result
 * added back onto its words.
 * Paper: "Transformer in Transformer" (Han et al., NeurIPS 2021).
 *
 * The paper keeps two streams, words Y and sentences Z, and per layer (checked against timm's
 * tnt.py `Block.forward`, a port of the authors' MindSpore code):
 *   Y ← Y + MSA_in(LN(Y));  Y ← Y + MLP_in(LN(Y))             (attention within each sentence)
 *   Z ← Z + FC(Vec(LN(Y)))                                       (the words' result added to the sentence)
 *   Z ← Z + MSA_out(LN(Z)); Z ← Z + MLP_out(LN(Z))               (attention among sentences)
 * Words never read the sentence stream there; the classifier reads Z.
 *
 * As one mixer on one stream, groups of C contiguous tokens (groups.ts), per head, queries /√hd:
 *   inner:    u_i = Σ_{j ∈ g(i)} a_ij v_j,  a_ij = softmax over { j ∈ g(i) } (and j ≤ i when causal)
 *   sentence: s_g = mean_{j∈g} (v_j + u_j)   the group's own value plus its words' inner result
 *             (TNT's Z + FC(Vec(Y)) with Z the mean of the group's inputs and FC a mean: simplified)
 *   outer:    P_{g g'} = softmax_{g'}((x̄_g W_qo)_h · (x̄_{g'} W_ko)_h / √hd)  (x̄: group mean of inputs;
 *             g' ≤ g when causal), o_g = Σ_{g'} P_{g g'} s_{g'}
 *   output:   y_i = u_i + o_{g(i)}  (bidirectional)  |  y_i = u_i + o_{g(i)−1}, o_{−1} = 0  (causal),
 *             then concat over heads and W_O.
 * Causal: a group's sentence token contains all its words, so a token reads the outer result of
 * the previous group (which has seen groups ≤ g − 1 only): no token sees the future.
 * Exact implicit map: with A_in the block-diagonal inner map, M the group mean [n, T], E the
 * membership [T, n] and P' = P (shifted down one group when causal),
 *   A = A_in + E P' M (I + A_in).
 * Rows sum to 1 (inner) plus 2 (outer, where there is one): the map is not a distribution.
 * Simplifications: FC(Vec(·)) becomes a mean over the group (a per-position FC would give no
 * scalar map); outer queries and keys read x̄ only; the sentence stream is not carried between
 * layers (each layer re-forms it from its tokens) and its result is added back onto the words;
 * one attention each, the model's own ffn and norms do the rest. ALiBi/T5 biases not applied.
 * Fast path: inner [C, C] blocks and an [n, n] outer map: O(T·C + (T/C)²), no T × T tensor.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock } from './define';
import { fromGroups, groupHeads, inGroupMask, groupMean, groupSummaryMap, groupValid, membership, previousGroup, spreadGroups, toGroups } from './groups';
import { mergeHeads } from './nn';

export default defineBlock({
  kind: 'tnt',
  slot: 'mixer',
  title: 'Transformer in Transformer (1-D)',
  paper: 'Transformer in Transformer',
  explanation:
    'Words inside sentences: the sequence is cut into groups of tokens. An inner attention mixes ' +
    'the tokens of each group; each group is then summarised as one sentence token (its tokens ' +
    'plus their inner result), an outer attention mixes the sentence tokens, and the result is ' +
    'added back onto every token of the group. In a decoder a token reads the outer result of ' +
    'the groups before its own.',
  map: 'implicit',
  doc: `
**Paper:** "Transformer in Transformer" (Han et al., NeurIPS 2021); layer structure checked in
timm's \`tnt.py\` (port of the authors' MindSpore code): inner MSA + MLP on words, sentence
Z ← Z + FC(Vec(words)), outer MSA + MLP on sentences.
**Math (1-D, one stream, groups of C tokens):** inner u = A_in v (softmax within the group, causal
inside it when causal); sentence value s_g = mean_{j∈g}(v_j + u_j); outer P = softmax over groups of
(x̄_g W_qo)·(x̄_g' W_ko)/√d (earlier-or-same groups when causal), o = P s; y_i = u_i + o_{g(i)}
(bidirectional) or u_i + o_{g(i)−1} (causal: the previous group's outer result).
**Map (exact implicit):** A = A_in + E P' M (I + A_in), E membership, M group mean, P' = P shifted one
group when causal. Rows sum to 1 (inner) + 2 (outer: each sentence value is a token value plus an inner result) where the outer term is present; not a distribution.
**Simplified:** FC(Vec(·)) → mean; outer q/k from the group mean of the inputs; the sentence stream is
re-formed each layer and added back to its tokens (the paper keeps it as a second stream); ALiBi/T5
biases not applied. **Fast path:** O(T·C + (T/C)²), no T×T tensor.
`,
  params: z.object({
    block: z.number().int().min(1).max(64).describe('tokens per group (words per sentence)').default(4),
    causal: z.boolean().default(true),
  }),
  emit(ctx, x, p) {
    const { b, T, dModel: d, headDim: hd } = ctx;
    const { C, n, q, k, v } = groupHeads(ctx, x, p.block); // q, k, v [B, H, T, hd], q scaled by 1/√hd
    const outer = groupSummaryMap(ctx, x, C, ['qo', 'ko'], p.causal); // P [B, H, n, n]
    const shifted = p.causal ? previousGroup(ctx, outer) : outer; // P': row g(i) is the outer map a token of group g(i) reads

    if (ctx.mode === 'inspect') {
      const { inside } = inGroupMask(ctx, C, p.causal);
      const inner = b.softmax(b.where(inside, b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.scalar(-1e9)), -1); // A_in [B, H, T, T]
      const meanW = b.reshape(b.div(groupValid(ctx, C), b.reduceSum(groupValid(ctx, C), [3], true)), [1, 1, n, C]);
      const reach = b.matmul(membership(ctx, C), b.matmul(shifted, spreadGroups(ctx, meanW))); // E P' M [B, H, T, T]
      const probs = b.add(b.add(inner, reach), b.matmul(reach, inner));
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), d, d, 'o'), probs };
    }

    // Fast: inner attention per group, then the outer map over group values.
    const [qg, kg, vg] = [q, k, v].map((t) => toGroups(ctx, t, C)) as [Tensor, Tensor, Tensor]; // [B, H, n, C, hd]
    const ci = Array.from({ length: C }, (_, i) => i);
    const keyReal = b.greater(b.transpose(groupValid(ctx, C), [0, 1, 2, 4, 3]), b.scalar(0.5)); // [1, 1, n, 1, C]
    const visible = p.causal ? b.greaterOrEqual(b.constant('chunk_row', 'int64', [C, 1], ci), b.constant('chunk_col', 'int64', [1, C], ci)) : keyReal;
    const inner = b.softmax(b.where(visible, b.matmul(qg, b.transpose(kg, [0, 1, 2, 4, 3])), b.scalar(-1e9)), -1); // [B, H, n, C, C]
    const u = b.matmul(inner, vg); // [B, H, n, C, hd]
    const [B_, H_] = [u.shape[0]!, u.shape[1]!];
    const s = b.reshape(groupMean(ctx, b.add(vg, u), C), [B_, H_, n, hd]); // sentence values
    const o = b.matmul(shifted, s); // [B, H, n, hd]
    const out = b.add(u, b.reshape(o, [B_, H_, n, 1, hd]));
    return { y: ctx.linear(mergeHeads(ctx, fromGroups(ctx, out, T)), d, d, 'o') };
  },
});
