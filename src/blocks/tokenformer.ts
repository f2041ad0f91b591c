/**
 * TokenFormer attention: softmax attention whose four projections (queries, keys, values, output)
 * are Pattention layers, attention from each token to P learnable parameter tokens, instead of
 * linear maps. Paper: "TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters"
 * (Wang et al., 2024).
 *
 *   q, k, v = Pattention_Q(x), Pattention_K(x), Pattention_V(x)   (see pattention.ts)
 *   A = softmax(q kᵀ / √headDim + bias + mask) per head,  y = Pattention_O(concat_h(A_h v_h))
 *
 * Checked against the authors' code (Haiyang-W/TokenFormer, megatron/model/tokenformer.py,
 * ParallelSelfAttention): self.query / self.key / self.value / self.proj are Pattention layers
 * (qkv_slot_num and proj_slot_num parameter tokens; equal in every released config, so one count P
 * here), heads split after the projections, rotary applied to q and k, then causal flash attention
 * with the usual 1/√headDim scale. No biases anywhere.
 *
 * Maps:
 * - token × token (explicit): the softmax weights A, as for softmax attention (attn_probs.<run>).
 * - token × parameter token (probe `param_attn.<run>`, [B, 4, T, P]): Θ of the four Pattention
 *   layers (q, k, v, o in that order), the weight each token puts on each parameter token. Signed
 *   (GELU dips below 0 down to about −0.17) and not normalised to sum 1.
 *
 * Decisions: position blocks that act inside attention (RoPE, ALiBi, T5) apply to q, k as in any
 * attention (the paper uses RoPE on a quarter of each head); the paper's layer has a Pattention
 * feed-forward too: that is the separate ffn block `pattention_ffn`. The model-wide σReparam
 * option does not apply here: it rescales linear weights, and this mixer has none.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { attention } from './attention';
import { causalMask } from './nn';
import { pattention } from './pattention';
import { attentionDecode, kvCacheState } from './kvCache';

/** ctx whose linear maps are Pattention layers of P parameter tokens; each Θ is handed to `seen`. */
const tokenised = (ctx: BlockContext, P: number, seen?: (name: string, theta: Tensor) => void): BlockContext => ({
  ...ctx,
  linear: (u, inDim, outDim, name) => {
    const r = pattention(ctx, u, inDim, outDim, P, name);
    seen?.(name, r.theta);
    return r.y;
  },
});

/** The order of the projections in the `param_attn` probe. */
export const PATTENTION_PROJECTIONS = ['q', 'k', 'v', 'o'] as const;

export default defineBlock({
  kind: 'tokenformer',
  slot: 'mixer',
  title: 'TokenFormer (token–parameter attention)',
  paper: 'TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters',
  explanation:
    'Ordinary multi-head attention between tokens, except that the queries, keys, values and the ' +
    'output are not made by weight matrices: each token attends to P learnable "parameter tokens" ' +
    '(a key and a value each) and takes the mix of their values. The weights of that mix use GELU ' +
    'of the scores rescaled by their length instead of a softmax, so that parameter tokens can be ' +
    'added later without disturbing the others, which is how TokenFormer grows a trained model. ' +
    'The attention map shows tokens against tokens; the extra "tokens × parameter tokens" map ' +
    'shows how much each token draws on each parameter token.',
  map: 'explicit',
  doc: `
**Paper:** "TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters" (Wang et
al., 2024). Checked against the authors' code (Haiyang-W/TokenFormer, \`megatron/model/tokenformer.py\`:
\`Pattention\`, \`nonlinear_norm_func\` 'l2_norm_gelu', the normalisation their released configs use).
**Math:** Pattention(X) = Θ(X K_Pᵀ) V_P with K_P, V_P the P learnable key and value parameter
tokens and Θ(S)_tp = GELU(S_tp · √P / ‖S_t‖₂) (the row's L2 norm over the parameter tokens, then
exact GELU; no 1/√d, no bias). q, k, v = Pattention_{Q,K,V}(x); A = softmax(q kᵀ/√headDim + bias)
over visible keys; y = Pattention_O(concat_h(A_h v_h)).
**Maps:** token × token (explicit): A, rows sum to 1, causal lower-triangular. Token × parameter
token: the probe \`param_attn.<run>\` [B, 4, T, P], Θ of the q, k, v and o Pattention layers, shown
in its own heat map labelled "tokens × parameter tokens" (signed; GELU goes down to about −0.17).
**Fast path:** the same Pattention projections (linear in T) and softmax attention (T × T, as the
paper's flash attention).
**Decoding:** K/V cache (full) of the Pattention-projected keys and values, 2·d floats per token
per layer; each step projects only the new token.
`,
  params: z.object({
    causal: z.boolean().default(true),
    tokens: z.number().int().min(1).max(1024).describe('P, parameter tokens per projection').default(64),
  }),
  emit(ctx, x, p) {
    const thetas = new Map<string, Tensor>();
    // Every projection of the shared attention core is a Pattention layer with P parameter tokens.
    const out = attention(tokenised(ctx, p.tokens, (n, t) => thetas.set(n, t)), x, { kvHeads: ctx.nHeads, mask: p.causal ? causalMask(ctx) : null });
    if (ctx.mode === 'inspect') {
      const { b, B, T } = ctx;
      // [B, T, P] each, in the order q, k, v, o → [B, 4, T, P].
      ctx.probe('param_attn', b.concat(PATTENTION_PROJECTIONS.map((n) => b.reshape(thetas.get(n)!, [B, 1, T, p.tokens])), 1));
    }
    return out;
  },
  // Decoding: the K/V cache of softmax attention, the new token projected by the Pattention layers.
  decode: {
    state: (_p, m) => kvCacheState(m.nHeads, m.dModel / m.nHeads, { kind: 'full' }),
    emit: (ctx, x, p, state) => attentionDecode({ ...tokenised(ctx, p.tokens), decode: ctx.decode }, x, state, { kvHeads: ctx.nHeads, layout: { kind: 'full' } }),
  },
});
