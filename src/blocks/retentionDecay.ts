/**
 * Retention-decay attention: softmax attention with a per-head decay γ_h^|n − m| over distance.
 * Paper: "RMT: Retentive Networks Meet Vision Transformers" (Fan et al., CVPR 2024), 1-D form of
 * its Manhattan self-attention.
 *
 * The paper writes MaSA = (Softmax(QKᵀ) ⊙ D) V with D_nm = γ^|n − m|. Its official code adds
 * |n − m| · log γ_h to the logits before the softmax, which is the paper's Softmax ⊙ D renormalised
 * over each row: A_nm = softmax_m(q_n·k_m/√d + |n − m| log γ_h). We follow the code, so each row
 * sums to 1. Per-head decay as in RMT's code: γ_h = 1 − 2^(−a − r·h/H), h = 0 … H − 1, with
 * a = `initValue` and r = `headsRange` (RMT uses a = 2).
 */
import { z } from 'zod';
import { ATTENTION_PARAMS, attention, checkKvHeads, kvHeadsOf, relativePositions } from './attention';
import { defineBlock } from './define';
import { attentionDecode, kvCacheState } from './kvCache';

/** γ_h for each head. */
export const decayRates = (H: number, a: number, r: number): number[] => Array.from({ length: H }, (_, h) => 1 - 2 ** (-a - (r * h) / H));

export default defineBlock({
  kind: 'retention_decay',
  slot: 'mixer',
  title: 'Retention-decay attention',
  paper: 'RMT: Retentive Networks Meet Vision Transformers',
  explanation:
    'Softmax attention that fades with distance: before normalising, each weight is multiplied by ' +
    'γ to the power of how far apart the two tokens are. Each head has its own γ, from fast-fading ' +
    '(γ ≈ 0.75, a local head) to slow (γ ≈ 0.99, a global one). That gives the model an explicit ' +
    'sense of nearness, borrowed from RetNet.',
  map: 'explicit',
  doc: `
**Paper:** "RMT: Retentive Networks Meet Vision Transformers" (Fan et al., CVPR 2024), 1-D form.
**Math:** A_nm = softmax_m(s_nm + |n − m| · log γ_h), with γ_h = 1 − 2^(−a − r·h/H). The paper
writes (Softmax(QKᵀ) ⊙ D) with D_nm = γ^|n−m|. Its official code adds the log-decay inside the
softmax, which is the paper's form renormalised per row, so each row sums to 1. We follow the code.
Heads range from fast-fading (γ = 0.75 at a = 2) to slowly fading.
**Decoding:** K/V cache (full), 2·kvHeads·headDim floats per token per layer; the decay
(t − j)·log γ_h from the position each slot holds.
`,
  params: z.object({
    initValue: z.number().min(1).max(8).describe('a').default(2),
    headsRange: z.number().min(0).max(10).describe('r').default(4),
    ...ATTENTION_PARAMS,
  }),
  check: (p, model) => checkKvHeads(p.kvHeads, model.nHeads),
  emit(ctx, x, p) {
    const { b, nHeads: H } = ctx;
    const { diff } = relativePositions(ctx);
    const logGamma = b.constant('log_gamma', 'float32', [1, H, 1, 1], decayRates(H, p.initValue, p.headsRange).map(Math.log));
    const decay = b.mul(b.abs(diff), logGamma); // [1, H, T, T]: |n − m| · log γ_h
    const mask = p.causal ? b.greaterOrEqual(diff, b.scalar(0)) : null;
    return attention(ctx, x, {
      kvHeads: kvHeadsOf(p.kvHeads, H),
      mask,
      normalise: (logits, m) => {
        const s = b.add(logits, decay);
        return b.softmax(m ? b.where(m, s, b.scalar(-1e9)) : s, -1);
      },
    });
  },
  // Decoding: a K/V cache of every position; the decay by the distance to each slot's position.
  decode: {
    state: (p, m) => kvCacheState(kvHeadsOf(p.kvHeads, m.nHeads), m.dModel / m.nHeads, { kind: 'full' }),
    emit(ctx, x, p, state) {
      const { b, nHeads: H, decode: dec } = ctx;
      const logGamma = b.constant('log_gamma', 'float32', [1, H, 1, 1], decayRates(H, p.initValue, p.headsRange).map(Math.log));
      return attentionDecode(ctx, x, state, {
        kvHeads: kvHeadsOf(p.kvHeads, H),
        layout: { kind: 'full' },
        normalise: (logits, visible, _bias, positions) => {
          const distance = b.reshape(b.sub(dec.position, b.clip(positions, 0)), [1, 1, 1, positions.shape[0]!]); // t − j (empty slots are hidden)
          return b.softmax(b.where(visible, b.add(logits, b.mul(distance, logGamma)), b.scalar(-1e9)), -1);
        },
      });
    },
  },
});
