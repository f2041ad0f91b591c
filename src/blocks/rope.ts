/**
 * RoPE: rotary position embedding of queries and keys.
 * Paper: "RoFormer: Enhanced Transformer with Rotary Position Embedding" (Su et al., 2021).
 *
 * The first d_rot dimensions of each query and key head are taken as consecutive pairs
 * (x_{2i}, x_{2i+1}), i = 0 … d_rot/2 − 1, and the pair at position t is rotated by the angle
 * t·θ_i with θ_i = base^(−2i/d_rot):
 *
 *   x'_{2i}   = x_{2i} cos(tθ_i) − x_{2i+1} sin(tθ_i)
 *   x'_{2i+1} = x_{2i} sin(tθ_i) + x_{2i+1} cos(tθ_i)
 *
 * which is the paper's block-diagonal R^d_{Θ,t} (its eq. 15, θ_i = 10000^(−2(i−1)/d) for 1-based i)
 * written in the paper's own efficient form (its eq. 34):
 *
 *   R x = x ⊗ cos(tθ) + (−x₁, x₀, −x₃, x₂, …) ⊗ sin(tθ).
 *
 * This is the paper's interleaved pairing. Many libraries (GPT-NeoX, LLaMA in Hugging Face) pair
 * x_i with x_{i+d/2} instead ("rotate half"); that is the same rotation of a permuted basis, equal
 * only up to a fixed reshuffling of the projection weights, and it is not what is computed here.
 * d_rot = 2·min(⌊hd/2⌋, round(fraction·hd/2)); the remaining hd − d_rot dimensions pass unchanged
 * (partial rotary, as in GPT-NeoX's rotary_pct). Because R_s ᵀ R_t = R_{t−s}, q_s · k_t depends on the
 * positions only through t − s.
 *
 * The graph is exact and static: cos and sin are constant tables [T, d_rot] computed here, emitted
 * once per graph and shared by every query and key of every layer; the pair swap is a reshape,
 * two slices and a concatenation.
 */
import { z } from 'zod';
import type { GraphBuilder } from '../graph/builder';
import type { Tensor } from '../graph/ir';
import { defineBlock } from './define';

/** How many (x_{2i}, x_{2i+1}) pairs of a head of size hd are rotated. */
export function rotatedPairs(hd: number, fraction: number): number {
  return Math.min(Math.floor(hd / 2), Math.round((fraction * hd) / 2));
}

/** cos and sin tables [T, 2·pairs], one per graph and setting. */
const tables = new WeakMap<GraphBuilder, Map<string, { cos: Tensor; sin: Tensor }>>();

function rotationTables(b: GraphBuilder, T: number, pairs: number, base: number): { cos: Tensor; sin: Tensor } {
  const known = tables.get(b) ?? new Map<string, { cos: Tensor; sin: Tensor }>();
  tables.set(b, known);
  const key = `${T}/${pairs}/${base}`;
  const hit = known.get(key);
  if (hit) return hit;
  const dRot = 2 * pairs;
  const cos: number[] = [];
  const sin: number[] = [];
  for (let t = 0; t < T; t++)
    for (let c = 0; c < dRot; c++) {
      const i = Math.floor(c / 2); // both members of pair i turn by the same angle
      const angle = t * base ** ((-2 * i) / dRot);
      cos.push(Math.cos(angle));
      sin.push(Math.sin(angle));
    }
  const made = { cos: b.constant('rope_cos', 'float32', [T, dRot], cos), sin: b.constant('rope_sin', 'float32', [T, dRot], sin) };
  known.set(key, made);
  return made;
}

export default defineBlock({
  kind: 'rope',
  slot: 'position',
  title: 'RoPE (rotary positions)',
  paper: 'RoFormer: Enhanced Transformer with Rotary Position Embedding',
  explanation:
    'Instead of adding anything to the embeddings, RoPE turns each query and key before they are ' +
    'compared. Their dimensions are taken two at a time as points in a plane, and the point of a ' +
    'token at position t is rotated by t times an angle that is large for the first pair and smaller ' +
    'for each later one (set by the base θ). Rotating both the query and the key means their dot ' +
    'product only sees the difference of the angles, so attention scores depend on how far apart two ' +
    'tokens are, not on where they stand. Fraction < 1 rotates only the first part of each head.',
  doc: `
**Paper:** *RoFormer: Enhanced Transformer with Rotary Position Embedding* (Su et al., 2021).

**Math:** the first d_rot = 2·min(⌊hd/2⌋, round(fraction·hd/2)) dimensions of each query and key
head form consecutive pairs (x_{2i}, x_{2i+1}), rotated at position t by the angle t·θ_i with
θ_i = base^(−2i/d_rot):

x'_{2i} = x_{2i} cos(tθ_i) − x_{2i+1} sin(tθ_i),  x'_{2i+1} = x_{2i} sin(tθ_i) + x_{2i+1} cos(tθ_i).

The other hd − d_rot dimensions are unchanged. Since R_sᵀ R_t = R_{t−s}, q_s · k_t depends on the
positions only through t − s. This is the paper's interleaved pairing (its eq. 15 and the efficient
form of eq. 34, R x = x ⊗ cos + (−x₁, x₀, −x₃, x₂, …) ⊗ sin); many libraries (GPT-NeoX, Hugging
Face LLaMA) use the "rotate half" pairing (x_i, x_{i+d/2}) instead, which is the same rotation in a
permuted basis. The graph uses constant cos/sin tables [T, d_rot], emitted once and shared by
every layer, and a reshape–slice–concat for the pair swap.

Instead of adding anything to the embeddings, RoPE turns each query and key before they are
compared. Their dimensions are taken two at a time as points in a plane, and the point of a token
at position t is rotated by t times an angle that is large for the first pair and smaller for each
later one (the base θ sets how much smaller). Rotating both the query and the key means their dot
product only sees the difference of the two angles, so attention scores depend on how far apart
two tokens are, not on where they stand. \`fraction\` < 1 rotates only the first part of each head
and leaves the rest position-free.
`,
  params: z.object({
    base: z.number().min(100).max(1000000).default(10000),
    fraction: z.number().min(0.25).max(1).default(1),
  }),
  check: (p, model) => {
    const hd = model.dModel / model.nHeads;
    return rotatedPairs(hd, p.fraction) === 0 ? `fraction ${p.fraction} rotates no dimension of a head of size ${hd}; raise it or use fewer heads` : null;
  },
  emit: {
    rotate(ctx, x, p) {
      const { b } = ctx;
      const [B, H, T, hd] = x.shape as [number, number, number, number]; // x [B, H, T, hd]
      const pairs = rotatedPairs(hd, p.fraction);
      if (pairs === 0) return x;
      const dRot = 2 * pairs;
      const { cos, sin } = rotationTables(b, T, pairs, p.base); // [T, dRot] each
      const head = dRot === hd ? x : b.slice(x, [3], [0], [dRot]); // [B, H, T, dRot]
      const asPairs = b.reshape(head, [B, H, T, pairs, 2]); // last axis: (x_{2i}, x_{2i+1})
      const even = b.slice(asPairs, [4], [0], [1]); // [B, H, T, pairs, 1]: x_{2i}
      const odd = b.slice(asPairs, [4], [1], [2]); // [B, H, T, pairs, 1]: x_{2i+1}
      const swapped = b.reshape(b.concat([b.neg(odd), even], 4), [B, H, T, dRot]); // (−x₁, x₀, −x₃, x₂, …)
      const rotated = b.add(b.mul(head, cos), b.mul(swapped, sin)); // [B, H, T, dRot]
      return dRot === hd ? rotated : b.concat([rotated, b.slice(x, [3], [dRot], [hd])], 3); // [B, H, T, hd]
    },
  },
});
