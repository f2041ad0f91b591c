/**
 * Minimal attention: one merged query-key matrix per head, no value and no output projection.
 * Paper: "Reducing the Transformer Architecture to a Minimum" (Bermeitinger et al., 2024).
 *
 *   s^h_ij = x_i W_h x_jᵀ / √headDim                    (W_h = W_Q W_Kᵀ merged, [d, d])
 *   symmetric: s^h_ij = (x_i A_h)(x_j A_h)ᵀ / √headDim  (W_Q reused as W_K, A_h [d, headDim])
 *   y_i = concat_h Σ_j A^h_ij x_j[h]                     (values are x itself; head h carries slice h)
 * The paper's merged and value-free variants are single-head; with several heads each head mixes
 * its own slice of x, and one head is exactly the paper's form. W_h starts as N(0, headDim/d²) so
 * that its logits spread like standard attention's at initialisation. Only the symmetric form has
 * separate queries and keys, so only it takes RoPE; ALiBi and T5 biases apply to both.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import type { Tensor } from '../graph/ir';
import { causalMask, mergeHeads, splitHeads } from './nn';
import { rememberRowPositions, seenSlots, slotTensors, writeSlot } from './kvCache';

export default defineBlock({
  kind: 'minimal_attention',
  slot: 'mixer',
  title: 'Minimal attention',
  paper: 'Reducing the Transformer Architecture to a Minimum',
  explanation:
    'Attention stripped to its core: a single learned matrix measures how similar two tokens are, ' +
    'and each token becomes the weighted average of the raw token vectors themselves: no value or ' +
    'output projection. The symmetric form makes "a is like b" the same as "b is like a" and halves ' +
    'the parameters. It asks how much of attention is the similarity measure alone.',
  map: 'explicit',
  doc: `
**Paper:** "Reducing the Transformer Architecture to a Minimum" (Bermeitinger et al., 2024).
**Math:** s^h_ij = x_i W_h x_jᵀ/√hd, with the merged W_h = W_Q W_Kᵀ of shape [d, d]. The symmetric
form reuses W_Q as W_K: s^h_ij = (x_i A_h)(x_j A_h)ᵀ/√hd. There is no W_V and no W_O:
y_i = concat_h Σ_j A^h_ij x_j[slice h]. The paper's merged and value-free variants are single-head,
and with one head this is exactly its form. With several heads, each head mixes its own slice of x.
Only the symmetric form has separate queries and keys, so only it takes RoPE.
**Decoding:** a cache of the inputs x (in head slices: they are the values, and the keys of the
merged form), d floats per token per layer; the symmetric form also caches its keys x A
(unrotated), 2·d. Each step is one row of the map, O(C·d) per head (merged: O(C·d·H)).
`,
  params: z.object({
    symmetric: z.boolean().default(false),
    causal: z.boolean().default(true),
  }),
  emit(ctx, x, p) {
    const { b, B, T, dModel: d, nHeads: H, headDim } = ctx;
    let logits;
    if (p.symmetric) {
      const a = ctx.position.rotate(splitHeads(ctx, ctx.linear(x, d, d, 'a', { bias: false }))); // [B, H, T, hd]
      logits = b.matmul(a, b.transpose(a, [0, 1, 3, 2])); // [B, H, T, T]
    } else {
      const w = ctx.weight('wqk', [d, H * d], { kind: 'normal', std: Math.sqrt(headDim) / d });
      const xw = b.transpose(b.reshape(b.matmul(x, w), [B, T, H, d]), [0, 2, 1, 3]); // [B, H, T, d]
      // [B, H, T, d] × [B, 1, d, T] → [B, H, T, T] (at B = 1, xᵀ [1, d, T] broadcasts as it is).
      const xT = b.transpose(x, [0, 2, 1]);
      logits = b.matmul(xw, B === 1 ? xT : b.reshape(xT, [B, 1, d, T]));
    }
    logits = b.mul(logits, b.scalar(1 / Math.sqrt(headDim)));
    const bias = ctx.position.bias();
    if (bias) logits = b.add(logits, bias);
    if (p.causal) logits = b.where(causalMask(ctx), logits, b.scalar(-1e9));
    const probs = b.softmax(logits, -1); // [B, H, T, T]
    return { y: mergeHeads(ctx, b.matmul(probs, splitHeads(ctx, x))), probs }; // values: x itself, [B, T, d]
  },
  // Decoding: the inputs are the values (and the merged form's keys); the symmetric form caches its keys x A.
  decode: {
    state: (p, m) => {
      const shape = (C: number) => [m.nHeads, C, m.dModel / m.nHeads];
      // Named k (and v) like a K/V cache: the eviction re-run reads its slot count from k.
      if (!p.symmetric) return [{ name: 'k', kind: 'cache', shape, note: 'the inputs x in head slices: keys (merged form) and values' }];
      return [
        { name: 'k', kind: 'cache', shape, note: 'keys x A, unrotated' },
        { name: 'v', kind: 'cache', shape, note: 'the inputs x in head slices: the values' },
      ];
    },
    emit(ctx, x, p, state) {
      const { b, B, dModel: d, nHeads: H, headDim, decode: dec } = ctx;
      const C = dec.capacity;
      const { positions, write } = slotTensors(b, dec, { kind: 'full' });
      const X = writeSlot(b, state[p.symmetric ? 'v' : 'k']!, splitHeads(ctx, x), write); // [B, H, C, hd]
      const next: Record<string, Tensor> = { [p.symmetric ? 'v' : 'k']: X };
      let logits;
      if (p.symmetric) {
        const a = splitHeads(ctx, ctx.linear(x, d, d, 'a', { bias: false })); // [B, H, 1, hd]
        const K = writeSlot(b, state['k']!, a, write);
        next['k'] = K;
        const q = ctx.position.rotateAt(a, dec.position);
        logits = b.matmul(q, b.transpose(ctx.position.rotateAt(K, b.clip(positions, 0)), [0, 1, 3, 2])); // [B, H, 1, C]
      } else {
        const w = ctx.weight('wqk', [d, H * d], { kind: 'normal', std: Math.sqrt(headDim) / d });
        const xw = b.transpose(b.reshape(b.matmul(x, w), [B, 1, H, d]), [0, 2, 1, 3]); // [B, H, 1, d]
        const keysT = b.reshape(b.transpose(X, [0, 1, 3, 2]), [B, 1, d, C]); // x_jᵀ: head slices stacked back into d rows
        logits = b.matmul(xw, keysT); // [B, H, 1, C]
      }
      logits = b.mul(logits, b.scalar(1 / Math.sqrt(headDim)));
      const bias = ctx.position.biasAt(b.reshape(dec.position, [1, 1]), b.reshape(positions, [1, C]));
      if (bias) logits = b.add(logits, bias);
      const visible = b.greater(seenSlots(ctx, positions), b.scalar(0.5));
      const probs = rememberRowPositions(b.softmax(b.where(visible, logits, b.scalar(-1e9)), -1), positions);
      return { y: mergeHeads(ctx, b.matmul(probs, X)), next, row: probs };
    },
  },
});
