/**
 * Pattention feed-forward: TokenFormer's replacement of the MLP by one token–parameter attention
 * layer over P learnable key/value parameter tokens. Paper: "TokenFormer: Rethinking Transformer
 * Scaling with Tokenized Model Parameters" (Wang et al., 2024).
 *
 *   y = Θ(x K_Pᵀ) V_P,  Θ(S)_tp = GELU(S_tp · √P / ‖S_t‖₂)   (see pattention.ts)
 *
 * Checked against the authors' code (Haiyang-W/TokenFormer, megatron/model/tokenformer.py,
 * ParallelTokenformerLayer): `self.mlp = Pattention(hidden → hidden, ffn_slot_num tokens)`, with
 * ffn_slot_num = 4 × hidden in their configs (e.g. 3072 for hidden 768): like an MLP whose hidden
 * units are the parameter tokens, the activation being the normalised GELU.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { pattention } from './pattention';

export default defineBlock({
  kind: 'pattention_ffn',
  slot: 'ffn',
  title: 'Pattention feed-forward (TokenFormer)',
  paper: 'TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters',
  explanation:
    'TokenFormer\'s feed-forward block: each token attends to P learnable parameter tokens and ' +
    'takes the mix of their values. It is an MLP in disguise (keys as the first layer, values as the ' +
    'second, P hidden units), except that the activation is GELU of the scores rescaled by the ' +
    'length of the token\'s score row, which keeps the output steady when parameter tokens are added.',
  doc: `
**Paper:** "TokenFormer: Rethinking Transformer Scaling with Tokenized Model Parameters" (Wang et
al., 2024); the feed-forward of the authors' \`ParallelTokenformerLayer\` (Haiyang-W/TokenFormer).
**Math:** y = Θ(x K_Pᵀ) V_P with Θ(S)_tp = GELU(S_tp · √P / ‖S_t‖₂); P = ffn_slot_num, 4 × d in the
paper's configs. No biases.
`,
  params: z.object({
    tokens: z.number().int().min(1).max(4096).describe('P, parameter tokens (the paper: 4 × dModel)').default(256),
  }),
  emit(ctx, x, p) {
    return pattention(ctx, x, ctx.dModel, ctx.dModel, p.tokens, 'ffn').y;
  },
});
