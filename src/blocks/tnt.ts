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
import { mergeHeads, splitHeads } from './nn';
import { cacheSlots, slotTensors, writeSlot, type CacheLayout } from './kvCache';

/** The inner attention's cache while decoding: a ring of the last `block` tokens (it holds the current group). */
const ringOf = (block: number): CacheLayout => ({ kind: 'window', window: block });

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
**Decoding (causal):** a K/V ring of the current group (block tokens; keys unrotated), plus per group
the sum of its inputs and of its sentence values v + u: 2·d floats per group of \`block\` tokens per
layer (2·d/block per token), and the ring's 2·d·block. Each step: the inner row over the ring and the
outer row of group g − 1 over the group sums, O(block·d + (C/block)·d). With CLEX, whose
rotations change with the text's length, the sums would keep each u_j as computed at length j + 1,
so TNT under CLEX decodes by the generic form (exact in one layer; a stack under CLEX is refused).
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
  // Decoding (causal only): the current group's keys and values, and two sums per group.
  decode: {
    // The group sums keep each token's values as computed at its own length: CLEX's rescaling would leave them stale.
    inexactWith: (_p, position) => (position.kind === 'rope' && position.params['scaling'] === 'clex' ? 'CLEX rescales rotations with the length; the group sums would keep stale values' : null),
    state: (p, m) => {
      const [H, d] = [m.nHeads, m.dModel];
      const groups = (C: number) => Math.ceil(C / p.block);
      return [
        { name: 'k', kind: 'cache', shape: (C) => [H, cacheSlots(ringOf(p.block), C), d / H], note: "the current group's keys, unrotated" },
        { name: 'v', kind: 'cache', shape: (C) => [H, cacheSlots(ringOf(p.block), C), d / H], note: "the current group's values" },
        { name: 'x_sum', kind: 'cache', shape: (C) => [groups(C), d], note: "each group's sum of inputs" },
        { name: 's_sum', kind: 'cache', shape: (C) => [H, groups(C), d / H], note: "each group's sum of v + u (sentence value × block)" },
      ];
    },
    emit(ctx, x, p, state) {
      const { b, B, dModel: d, nHeads: H, headDim: hd, decode: dec } = ctx;
      const [C, L, t] = [dec.capacity, p.block, dec.position];
      const n = Math.ceil(C / L);
      const g = b.floor(b.div(t, b.scalar(L))); // this token's group
      // Inner: softmax over the ring's keys of this group (j ≤ t), u = that mix of values.
      const ring = slotTensors(b, dec, ringOf(L));
      const q = b.mul(ctx.position.rotateAt(splitHeads(ctx, ctx.linear(x, d, d, 'q')), t), b.scalar(1 / Math.sqrt(hd)));
      const vNew = splitHeads(ctx, ctx.linear(x, d, d, 'v'));
      const K = writeSlot(b, state['k']!, splitHeads(ctx, ctx.linear(x, d, d, 'k')), ring.write);
      const V = writeSlot(b, state['v']!, vNew, ring.write);
      const slots = ring.positions.shape[0]!;
      const own = b.reshape(b.greaterOrEqual(ring.positions, b.mul(g, b.scalar(L))), [1, 1, 1, slots]); // this group's filled slots (empty ones hold −1)
      const logits = b.matmul(q, b.transpose(ctx.position.rotateAt(K, b.clip(ring.positions, 0)), [0, 1, 3, 2])); // [B, H, 1, slots]
      const u = b.matmul(b.softmax(b.where(own, logits, b.scalar(-1e9)), -1), V); // [B, H, 1, hd]
      // Group sums: this token's input and sentence value v + u go to group g.
      const groupIndex = b.constant('group_index', 'float32', [n], Array.from({ length: n }, (_, i) => i));
      const atGroup = b.cast(b.equal(groupIndex, g), 'float32'); // [n]
      const xSum = b.add(state['x_sum']!, b.mul(b.reshape(atGroup, [1, n, 1]), x)); // [B, n, d]
      const sSum = b.add(state['s_sum']!, b.mul(b.reshape(atGroup, [1, 1, n, 1]), b.add(vNew, u))); // [B, H, n, hd]
      // Outer row of group g − 1 over groups ≤ g − 1 (complete ones), o = P s; none in group 0.
      const xBar = b.mul(xSum, b.scalar(1 / L));
      const xPrev = b.matmul(b.reshape(b.cast(b.equal(groupIndex, b.sub(g, b.scalar(1))), 'float32'), [1, 1, n]), xBar); // [B, 1, d]
      const qs = splitHeads(ctx, ctx.linear(xPrev, d, d, 'qo')); // [B, H, 1, hd]
      const ks = b.transpose(b.reshape(ctx.linear(xBar, d, d, 'ko'), [B, n, H, hd]), [0, 2, 1, 3]); // [B, H, n, hd]
      const earlier = b.reshape(b.less(groupIndex, g), [1, 1, 1, n]);
      const P = b.softmax(b.where(earlier, b.mul(b.matmul(qs, b.transpose(ks, [0, 1, 3, 2])), b.scalar(1 / Math.sqrt(hd))), b.scalar(-1e9)), -1);
      const o = b.mul(b.matmul(P, b.mul(sSum, b.scalar(1 / L))), b.cast(b.greater(g, b.scalar(0.5)), 'float32')); // [B, H, 1, hd]
      return { y: ctx.linear(mergeHeads(ctx, b.add(u, o)), d, d, 'o'), next: { k: K, v: V, x_sum: xSum, s_sum: sSum } };
    },
  },
});
