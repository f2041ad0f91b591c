/**
 * FIT (Far-reaching Interleaved Transformers) in its 1-D token form: local attention inside each
 * group of tokens, a few latent tokens per group that read their group, global attention among all
 * latents, and each token writing back what its group's latents hold.
 * Paper: "FIT: Far-reaching Interleaved Transformers" (Chen & Li, 2023).
 *
 * Checked against the authors' autoregressive FIT (google-research/pix2seq, `FITAR.call`):
 * data tokens per group go through local layers with a causal mask inside the group; latents
 * (initialised from a learned latent position embedding) read their group's tokens by cross-attention
 * (`l2x_cross_attn`, latents as queries); global layers attend over all latents with a chunk-causal
 * mask (`get_chunk_ar_mask`: latents of group g see latents of groups ≤ g); the latents are then
 * shifted one group later (`_latent_shift`: group g receives group g − 1's latents, group 0 zeros)
 * and the data tokens read them by cross-attention (`x2l_cross_attn`, tokens as queries), added to
 * the tokens (residual).
 *
 * As one mixer, groups of C tokens (groups.ts), m latents per group, per head (queries /√hd):
 *   local:  u_i = Σ_{j ∈ g(i), j ≤ i} a_ij v_j            (softmax inside the group; all j ∈ g if bidirectional)
 *   read:   ρ_{g r j} = softmax_{j ∈ g}(ℓ_r · k_j / √hd),  L_{g r} = Σ_j ρ_{g r j} (v_j + u_j)
 *           (ℓ_r a learned latent query, the same for every group; v + u is the token after its local layer)
 *   global: P = softmax over latents (g', r') with g' ≤ g when causal of (L_{g r} W_gq)·(L_{g' r'} W_gk) / √hd,
 *           G_{g r} = Σ P L_{g' r'}
 *   shift:  G'_g = G_{g−1} (G'_0 = 0) when causal; G' = G otherwise
 *   write:  ω_{i r} = softmax_r(q_i · (G'_{g(i) r} W_wk)),  y_i = u_i + Σ_r ω_{i r} G'_{g(i) r},
 *           then concat over heads and W_O.
 * Exact implicit map (nothing multiplies v but weights): with A_loc the local map, R the read
 * weights [n·m, T], S the one-group shift and Ω the write weights [T, n·m],
 *   A = A_loc + Ω S P R (I + A_loc).
 * Rows sum to 1 (local) plus 2 (write: each latent is a convex mix of v + u) from the second
 * group on (causal); not a distribution.
 * Simplifications: one local, one read, one global and one write attention per mixer (the paper
 * stacks (local-layers)global-layers with feed-forwards; the model's layers do that here); the
 * latents are re-formed each layer from their learned queries instead of being carried as a second
 * stream, and hold no learned content of their own (ℓ only queries), so the map stays exact; the
 * latent projections W_gq, W_gk, W_wk act within each head's value space; read keys and write
 * queries reuse the token keys and queries. ALiBi/T5 biases are not applied. Cost: local O(T·C),
 * read/write O(T·m), global O((T·m/C)²); m ≤ C is required (FIT uses far fewer latents than tokens).
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { fromGroups, groupHeads, inGroupMask, groupValid, previousGroup, spreadGroups, toGroups } from './groups';
import { mergeHeads } from './nn';

/** The latents' weights: read queries ℓ [1, H, m, hd] and the per-head projections [1, H, hd, hd]. */
function latentWeights(ctx: BlockContext, m: number) {
  const { nHeads: H, headDim: hd } = ctx;
  const proj = (name: string) => ctx.weight(name, [1, H, hd, hd], { kind: 'normal', std: 1 / Math.sqrt(hd) });
  return { ell: ctx.weight('latents', [1, H, m, hd], { kind: 'normal', std: 1 }), wgq: proj('wgq'), wgk: proj('wgk'), wwk: proj('wwk') };
}

/** Bool [n·m, n·m]: latent a (group ⌊a/m⌋) may see latent b when causal (group of b ≤ group of a). */
function latentMask(ctx: BlockContext, n: number, m: number): Tensor {
  const { b } = ctx;
  const groupOf = Array.from({ length: n * m }, (_, a) => Math.floor(a / m));
  return b.greaterOrEqual(b.constant('latent_row', 'float32', [n * m, 1], groupOf), b.constant('latent_col', 'float32', [1, n * m], groupOf));
}

/** Global attention among latents L [B, H, n·m, hd] → P [B, H, n·m, n·m]. */
function globalMap(ctx: BlockContext, L: Tensor, w: ReturnType<typeof latentWeights>, n: number, m: number, causal: boolean): Tensor {
  const { b, headDim: hd } = ctx;
  const logits = b.mul(b.matmul(b.matmul(L, w.wgq), b.transpose(b.matmul(L, w.wgk), [0, 1, 3, 2])), b.scalar(1 / Math.sqrt(hd)));
  return b.softmax(causal ? b.where(latentMask(ctx, n, m), logits, b.scalar(-1e9)) : logits, -1);
}

export default defineBlock({
  kind: 'fit',
  slot: 'mixer',
  title: 'FIT: local groups + global latents (1-D)',
  paper: 'FIT: Far-reaching Interleaved Transformers',
  explanation:
    'Local work in groups, global work on a few latents: the sequence is cut into groups of ' +
    'tokens that attend only within their group. Each group has a few latent tokens that read it; ' +
    'the latents of all groups attend to each other, and every token then reads back from its ' +
    "group's latents (in a decoder, from the previous group's, which have seen only the past).",
  map: 'implicit',
  doc: `
**Paper:** "FIT: Far-reaching Interleaved Transformers" (Chen & Li, 2023); checked against the authors'
autoregressive FIT (google-research/pix2seq \`FITAR\`: causal local layers, latents read their group by
cross-attention, chunk-causal global layers over latents, latents shifted one group, tokens read them
back by cross-attention).
**Math (1-D, groups of C tokens, m latents per group):** local u = A_loc v inside groups; latent (g, r)
= Σ_j softmax_j(ℓ_r·k_j/√d)(v_j + u_j) over its group; global attention P over all latents (groups ≤ g
when causal) with per-head projections W_gq, W_gk; latents shifted one group when causal; token i adds
Σ_r softmax_r(q_i·G'_r W_wk) G'_r over its group's latents.
**Map (exact implicit):** A = A_loc + Ω S P R (I + A_loc) (R read, P global, S shift, Ω write). Rows
sum to 1 + 2 where a write is present; not a distribution.
**Simplified:** one attention of each kind per mixer; latents re-formed each layer from learned
queries (no carried latent stream, no latent content of their own); read keys / write queries reuse
the token projections; ALiBi/T5 biases not applied. Cost O(T·C + T·m + (T·m/C)²); m ≤ C.
**Decoding:** generic (inputs cached, recomputed each step): a cheaper exact form exists (a K/V ring
of the current group, and each completed group's m latents read from its tokens) but was not built
in the time given.
`,
  params: z.object({
    block: z.number().int().min(1).max(64).describe('tokens per group (C)').default(4),
    latents: z.number().int().min(1).max(8).describe('latent tokens per group (m ≤ block)').default(2),
    causal: z.boolean().default(true),
  }),
  check: (p) => (p.latents > p.block ? `parameter "latents" must not exceed "block" (${p.block}), got ${p.latents}` : null),
  emit(ctx, x, p) {
    const { b, T, dModel: d, headDim: hd } = ctx;
    const m = p.latents;
    const { C, n, q, k, v } = groupHeads(ctx, x, p.block); // q, k, v [B, H, T, hd], q scaled by 1/√hd
    const w = latentWeights(ctx, m);
    const [qg, kg, vg] = [q, k, v].map((t) => toGroups(ctx, t, C)) as [Tensor, Tensor, Tensor]; // [B, H, n, C, hd]
    const [B_, H_] = [qg.shape[0]!, qg.shape[1]!];
    // Read weights ρ [B, H, n, m, C]: the learned latent queries over each group's real keys.
    const ell = b.reshape(b.mul(w.ell, b.scalar(1 / Math.sqrt(hd))), [1, H_, 1, m, hd]);
    const keyReal = b.greater(b.transpose(groupValid(ctx, C), [0, 1, 2, 4, 3]), b.scalar(0.5)); // [1, 1, n, 1, C]
    const read = b.softmax(b.where(keyReal, b.matmul(ell, b.transpose(kg, [0, 1, 2, 4, 3])), b.scalar(-1e9)), -1);
    const shift = (t: Tensor) => (p.causal ? b.reshape(previousGroup(ctx, b.reshape(t, [B_, H_, n, m, t.shape[3]!])), [...t.shape]) : t); // [B, H, n·m, ·]

    if (ctx.mode === 'inspect') {
      const { rows, inside } = inGroupMask(ctx, C, p.causal);
      const local = b.softmax(b.where(inside, b.matmul(q, b.transpose(k, [0, 1, 3, 2])), b.scalar(-1e9)), -1); // A_loc [B, H, T, T]
      // R [B, H, n·m, T]: each latent's read weights placed on its group's columns.
      const perLatent = b.reshape(b.transpose(read, [0, 1, 3, 2, 4]), [B_, H_ * m, n, C]);
      const R = b.reshape(b.transpose(b.reshape(spreadGroups(ctx, perLatent), [B_, H_, m, n, T]), [0, 1, 3, 2, 4]), [B_, H_, n * m, T]);
      const latentMap = b.add(R, b.matmul(R, local)); // L = R (I + A_loc) v
      const G = shift(b.matmul(globalMap(ctx, b.matmul(latentMap, v), w, n, m, p.causal), latentMap)); // G' = S P R (I + A_loc) [B, H, n·m, T]
      const Gv = b.matmul(G, v); // the latents a token reads [B, H, n·m, hd]
      // Write weights Ω [B, H, T, n·m]: token i over the m latents of its own group slot.
      const mine = b.equal(rows, b.constant('latent_group', 'float32', [1, n * m], Array.from({ length: n * m }, (_, a) => Math.floor(a / m)))); // [T, n·m]
      const omega = b.softmax(b.where(mine, b.matmul(q, b.transpose(b.matmul(Gv, w.wwk), [0, 1, 3, 2])), b.scalar(-1e9)), -1);
      const probs = b.add(local, b.matmul(omega, G));
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), d, d, 'o'), probs };
    }

    // Fast: local blocks, read, global over n·m latents, shift, write.
    const ci = Array.from({ length: C }, (_, i) => i);
    const visible = p.causal ? b.greaterOrEqual(b.constant('chunk_row', 'int64', [C, 1], ci), b.constant('chunk_col', 'int64', [1, C], ci)) : keyReal;
    const local = b.softmax(b.where(visible, b.matmul(qg, b.transpose(kg, [0, 1, 2, 4, 3])), b.scalar(-1e9)), -1); // [B, H, n, C, C]
    const u = b.matmul(local, vg); // [B, H, n, C, hd]
    const L = b.reshape(b.matmul(read, b.add(vg, u)), [B_, H_, n * m, hd]); // latents after reading
    const G = b.reshape(shift(b.matmul(globalMap(ctx, L, w, n, m, p.causal), L)), [B_, H_, n, m, hd]); // G'
    const omega = b.softmax(b.matmul(qg, b.transpose(b.matmul(G, b.reshape(w.wwk, [1, H_, 1, hd, hd])), [0, 1, 2, 4, 3])), -1); // [B, H, n, C, m]
    const out = b.add(u, b.matmul(omega, G));
    return { y: ctx.linear(mergeHeads(ctx, fromGroups(ctx, out, T)), d, d, 'o') };
  },
});
