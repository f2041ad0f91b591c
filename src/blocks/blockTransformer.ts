/**
 * Block Transformer as one mixer: coarse causal attention over group embeddings (global), then
 * local attention inside each group with the previous groups' context as a prefix (local).
 * Paper: "Block Transformer: Global-to-Local Language Modeling for Fast Inference" (Ho et al.,
 * NeurIPS 2024).
 *
 * The paper's model is three stacks: an embedder turns each block of L_B tokens into one block
 * embedding; a block decoder (causal self-attention over block embeddings) produces a context
 * embedding per block; a token decoder decodes block b with only its own tokens and, as a prefix,
 * the context embedding that the block decoder produced at block b − 1. Checked against the
 * authors' code (itsnamgyu/block-transformer): model/block_transformer.py drops the block decoder's
 * last output and shifts the label blocks left (block b is decoded from context b − 1);
 * model/embedder/lookup.py concatenates per-token embeddings of width D / L_B ("concat"
 * projection); model/token_decoder/base.py prepends the (expanded) block embedding as prefix
 * tokens ("prefix" strategy) and decodes causally within the block.
 *
 * One mixer, groups of C = L_B tokens (groups.ts), per head h, queries scaled by 1/√headDim:
 *   embedder (simplified):   e_g = mean_{j ∈ g} x_j
 *   block decoder (1 layer): P^c_{g g'} = softmax_{g' ≤ g}((e_g W_qc)_h · (e_{g'} W_kc)_h / √hd)
 *   context of group g:      c_g = Σ_{g' ≤ g} P^c_{g g'} e_{g'}   (values are the embeddings themselves)
 *   prefix of group g ≥ 1:   k^p_g = (c_{g−1} W_K)_h = Σ_{g'} P^c_{g−1, g'} k̄_{g'},  v^p_g likewise,
 *                            with k̄, v̄ the group means of the token keys and values
 *   token decoder (1 layer): for i in group g, one softmax over { j ∈ g, j ≤ i } and the prefix:
 *                            p_ij ∝ exp(q_i·k_j), p_i^p ∝ exp(q_i·k^p_g);
 *                            y_i = Σ_j p_ij v_j + p_i^p v^p_g, then concat over heads and W_O.
 * Exact implicit map (nothing in it depends on v): A_ij = p_ij for j in i's group (j ≤ i), plus
 * p_i^p · P^c_{g(i)−1, g(j)} / |g(j)| for j in an earlier group. Rows sum to 1.
 *
 * Simplified to fit one mixer (say so in the docs): the embedder is a mean over the block (the
 * paper's lookup embedder concatenates token embeddings, which would give each position its own
 * matrix and no scalar map); block and token decoders are one attention each (the paper stacks
 * layers with feed-forward blocks — here the model's own layers and ffn supply that); the block
 * decoder has no value/output projections, so the context embedding stays in the input space and
 * reaches the prefix through the token decoder's own W_K, W_V, one context per head (the paper:
 * one context embedding, projected and expanded to prefix tokens). Causal only (it is a decoder);
 * the first group has no prefix. RoPE, if used, rotates token queries and keys (prefix keys are
 * means of rotated keys); ALiBi/T5 biases are not applied.
 * Fast path: local [C, C + 1] blocks and an [n, n] coarse map: O(T·C + (T/C)²), no T × T tensor.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock } from './define';
import { fromGroups, groupHeads, groupIndices, groupMean, groupSummaryMap, groupValid, membership, previousGroup, spreadGroups, toGroups } from './groups';
import { allOf, mergeHeads, splitHeads } from './nn';
import { slotTensors, writeSlot } from './kvCache';

export default defineBlock({
  kind: 'block_transformer',
  slot: 'mixer',
  title: 'Block Transformer (global-to-local)',
  paper: 'Block Transformer: Global-to-Local Language Modeling for Fast Inference',
  explanation:
    'Global then local: the sequence is cut into blocks of tokens, each block is pooled into one ' +
    'embedding, and a coarse causal attention over blocks gathers the context of everything ' +
    'before. Each token then attends only inside its own block, plus one prefix token carrying ' +
    'the context of the earlier blocks. Attention cost grows with the block count squared and the ' +
    'block length, not with the sequence length squared.',
  map: 'implicit',
  doc: `
**Paper:** "Block Transformer: Global-to-Local Language Modeling for Fast Inference" (Ho et al.,
NeurIPS 2024); checked against the authors' code (itsnamgyu/block-transformer: block b is decoded
from the block decoder's output at b − 1, used as a prefix of the token decoder).
**Math:** groups of C = L_B tokens; e_g = mean of the group's inputs; coarse causal attention
P^c = softmax(e W_qc (e W_kc)ᵀ/√d) over groups; the prefix of group g has key and value
Σ_{g'} P^c_{g−1,g'} k̄_{g'} and Σ P^c_{g−1,g'} v̄_{g'} (k̄, v̄: group means of token keys/values, i.e. the
context embedding through W_K, W_V); token i attends in one softmax to its group's tokens j ≤ i and
that prefix.
**Map (exact implicit):** A_ij = p_ij inside the group, p_i^prefix · P^c_{g(i)−1,g(j)} / |g(j)| for earlier
groups.
**Simplified to one mixer:** mean-pooling embedder (the paper concatenates token embeddings); one
attention for the block decoder (no value/output projection) and one for the token decoder (the
paper stacks full layers); one context per head; causal only; ALiBi/T5 biases not applied.
**Fast path:** O(T·C + (T/C)²), no T×T tensor.
**Decoding:** K/V cache (full, keys unrotated) plus the sum of each block's inputs: 2·d floats per
token per layer and d more per block of L_B tokens. Each step: the block means of the rotated
keys and values (rotated at this step's positions, so CLEX stays exact), the block decoder's row
of block g − 1, and one softmax over the own block's keys and the prefix: O(C·d).
`,
  params: z.object({
    block: z.number().int().min(1).max(64).describe('tokens per block (L_B)').default(4),
  }),
  emit(ctx, x, p) {
    const { b, T, dModel: d, headDim: hd } = ctx;
    const { C, n, q, k, v } = groupHeads(ctx, x, p.block); // q, k, v [B, H, T, hd], q scaled by 1/√hd
    const [qg, kg, vg] = [q, k, v].map((t) => toGroups(ctx, t, C)) as [Tensor, Tensor, Tensor]; // [B, H, n, C, hd]
    const coarse = groupSummaryMap(ctx, x, C, ['qc', 'kc'], true); // [B, H, n, n]: the block decoder's map
    const [B_, H_] = [kg.shape[0]!, kg.shape[1]!];
    const means = (t: Tensor) => b.reshape(groupMean(ctx, t, C), [B_, H_, n, hd]);
    const prefixK = previousGroup(ctx, b.matmul(coarse, means(kg))); // [B, H, n, hd]: context of g − 1
    const prefixV = previousGroup(ctx, b.matmul(coarse, means(vg)));
    const groupIdx = Array.from({ length: n }, (_, g) => g);

    if (ctx.mode === 'inspect') {
      const { rows, cols } = groupIndices(ctx, C);
      const idx = Array.from({ length: T }, (_, i) => i);
      const local = allOf(ctx, b.equal(rows, cols), b.greaterOrEqual(b.constant('query_index', 'float32', [T, 1], idx), b.constant('key_index', 'float32', [1, T], idx)));
      const direct = b.where(local, b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.scalar(-1e9)); // [B, H, T, T]
      const E = membership(ctx, C); // [T, n]
      const prefix = b.reduceSum(b.mul(q, b.matmul(E, prefixK)), [-1], true); // [B, H, T, 1]
      const hasPrefix = b.greater(rows, b.scalar(0.5)); // g(i) ≥ 1, [T, 1]
      const joint = b.softmax(b.concat([direct, b.where(hasPrefix, prefix, b.scalar(-1e9))], -1), -1);
      const pLocal = b.slice(joint, [3], [0], [T]);
      const pPrefix = b.slice(joint, [3], [T], [T + 1]); // [B, H, T, 1]
      // The prefix's weight spread back: row g of P^c shifted down one group, then 1/|g'| over each group g'.
      const meanW = b.reshape(b.div(groupValid(ctx, C), b.reduceSum(groupValid(ctx, C), [3], true)), [1, 1, n, C]);
      const reach = b.matmul(E, b.matmul(previousGroup(ctx, coarse), spreadGroups(ctx, meanW))); // [B, H, T, T]
      const probs = b.add(pLocal, b.mul(pPrefix, reach));
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), d, d, 'o'), probs };
    }

    // Fast: per group a [C, C] causal block plus one prefix column.
    const ci = Array.from({ length: C }, (_, i) => i);
    const tri = b.greaterOrEqual(b.constant('chunk_row', 'int64', [C, 1], ci), b.constant('chunk_col', 'int64', [1, C], ci));
    const direct = b.where(tri, b.matmul(qg, b.transpose(kg, [0, 1, 2, 4, 3])), b.scalar(-1e9)); // [B, H, n, C, C]
    const prefix = b.matmul(qg, b.reshape(prefixK, [B_, H_, n, hd, 1])); // [B, H, n, C, 1]
    const hasPrefix = b.greater(b.constant('group_index', 'float32', [n, 1, 1], groupIdx), b.scalar(0.5));
    const joint = b.softmax(b.concat([direct, b.where(hasPrefix, prefix, b.scalar(-1e9))], -1), -1);
    const pLocal = b.slice(joint, [4], [0], [C]);
    const pPrefix = b.slice(joint, [4], [C], [C + 1]); // [B, H, n, C, 1]
    const out = b.add(b.matmul(pLocal, vg), b.mul(pPrefix, b.reshape(prefixV, [B_, H_, n, 1, hd]))); // [B, H, n, C, hd]
    return { y: ctx.linear(mergeHeads(ctx, fromGroups(ctx, out, T)), d, d, 'o') };
  },
  // Decoding: the tokens' keys and values, and the blocks' input sums; the context is recomputed from them each step.
  decode: {
    state: (p, m) => {
      const [H, d] = [m.nHeads, m.dModel];
      return [
        { name: 'k', kind: 'cache', shape: (C) => [H, C, d / H], note: 'keys, unrotated' },
        { name: 'v', kind: 'cache', shape: (C) => [H, C, d / H], note: 'values' },
        { name: 'e', kind: 'cache', shape: (C) => [Math.ceil(C / p.block), d], note: "each block's sum of inputs (L_B × its embedding)" },
      ];
    },
    emit(ctx, x, p, state) {
      const { b, B, dModel: d, nHeads: H, headDim: hd, decode: dec } = ctx;
      const [C, L, t] = [dec.capacity, p.block, dec.position];
      const n = Math.ceil(C / L);
      const { positions, write } = slotTensors(b, dec, { kind: 'full' });
      const q = b.mul(ctx.position.rotateAt(splitHeads(ctx, ctx.linear(x, d, d, 'q')), t), b.scalar(1 / Math.sqrt(hd))); // [B, H, 1, hd]
      const K = writeSlot(b, state['k']!, splitHeads(ctx, ctx.linear(x, d, d, 'k')), write); // [B, H, C, hd]
      const V = writeSlot(b, state['v']!, splitHeads(ctx, ctx.linear(x, d, d, 'v')), write);
      const Kr = ctx.position.rotateAt(K, b.clip(positions, 0));

      // Blocks: g = ⌊t / L⌋; only blocks < g are complete and read.
      const g = b.floor(b.div(t, b.scalar(L))); // [1]
      const blockIndex = b.constant('block_index', 'float32', [n], Array.from({ length: n }, (_, i) => i));
      const E = b.add(state['e']!, b.mul(b.reshape(b.cast(b.equal(blockIndex, g), 'float32'), [1, n, 1]), x)); // [B, n, d]
      const e = b.mul(E, b.scalar(1 / L)); // block embeddings (means) of the complete blocks
      const blockMeans = (u: Tensor) => {
        const padded = n * L === C ? u : b.pad(u, [0, 0, 0, 0], [0, 0, n * L - C, 0]);
        return b.mul(b.reduceSum(b.reshape(padded, [B, H, n, L, hd]), [3], false), b.scalar(1 / L)); // [B, H, n, hd]
      };
      // The block decoder's row of block g − 1 over blocks ≤ g − 1, then the prefix's key and value.
      const ePrev = b.matmul(b.reshape(b.cast(b.equal(blockIndex, b.sub(g, b.scalar(1))), 'float32'), [1, 1, n]), e); // [B, 1, d]
      const qs = splitHeads(ctx, ctx.linear(ePrev, d, d, 'qc')); // [B, H, 1, hd]
      const ks = b.transpose(b.reshape(ctx.linear(e, d, d, 'kc'), [B, n, H, hd]), [0, 2, 1, 3]); // [B, H, n, hd]
      const earlier = b.reshape(b.less(blockIndex, g), [1, 1, 1, n]);
      const coarse = b.softmax(b.where(earlier, b.mul(b.matmul(qs, b.transpose(ks, [0, 1, 3, 2])), b.scalar(1 / Math.sqrt(hd))), b.scalar(-1e9)), -1); // [B, H, 1, n]
      const prefixK = b.matmul(coarse, blockMeans(Kr)); // [B, H, 1, hd]
      const prefixV = b.matmul(coarse, blockMeans(V));

      // One softmax over the own block's keys (j ≤ t) and the prefix (from block 1 on).
      const own = b.reshape(b.greaterOrEqual(positions, b.mul(g, b.scalar(L))), [1, 1, 1, C]); // empty slots hold −1
      const direct = b.where(own, b.matmul(q, b.transpose(Kr, [0, 1, 3, 2])), b.scalar(-1e9)); // [B, H, 1, C]
      const prefix = b.where(b.greater(g, b.scalar(0.5)), b.reduceSum(b.mul(q, prefixK), [-1], true), b.scalar(-1e9)); // [B, H, 1, 1]
      const joint = b.softmax(b.concat([direct, prefix], -1), -1);
      const out = b.add(b.matmul(b.slice(joint, [3], [0], [C]), V), b.mul(b.slice(joint, [3], [C], [C + 1]), prefixV)); // [B, H, 1, hd]
      return { y: ctx.linear(mergeHeads(ctx, out), d, d, 'o'), next: { k: K, v: V, e: E } };
    },
  },
});
