/**
 * Mixture of experts with a learned top-k router.
 * Papers: "Switch Transformers" (Fedus et al., 2021) for k = 1; top-k routing as in GShard
 * (Lepikhin et al., 2020) and Mixtral (Jiang et al., 2024).
 *
 *   p = softmax(x W_r)                        router probabilities over E experts, W_r: [d, E], no bias
 *   g_e = p_e if p_e is among the k largest, else 0
 *   k > 1: g ← g / Σ_e g_e                    the kept gates are renormalised to sum to 1 (Mixtral);
 *   k = 1: g = p_max                          Switch keeps the raw probability (no renormalisation)
 *   y = Σ_e g_e · FFN_e(x),  FFN_e(x) = gelu(x W₁ᵉ + b₁ᵉ) W₂ᵉ + b₂ᵉ, hidden = expansion · dModel
 *
 * Every expert is computed for every token and weighted by its gate; a gate of 0 removes an
 * expert's output exactly, so this dense form equals sparse dispatch (it only costs more FLOPs).
 * An expert is kept when fewer than k experts have a larger probability (its rank, from pairwise
 * comparisons; ONNX TopK would fall back to the CPU under WebGPU): with random weights two
 * probabilities tie with probability zero, so exactly k experts are kept per token.
 * No load-balancing loss: the playground does not train.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { gelu } from './nn';

/** The load-balancing loss's weight α (Switch Transformer, section 2.2: 10⁻²). */
export const BALANCE = 0.01;

export default defineBlock({
  kind: 'moe',
  slot: 'ffn',
  title: 'MoE',
  paper: 'Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient Sparsity',
  explanation:
    'Several MLPs ("experts") sit side by side, and a small router decides which of them handle each ' +
    'token. The router scores every expert from the token vector and turns the scores into ' +
    'probabilities with a softmax. Only the k most likely experts are used for that token; their ' +
    'outputs are mixed with the router probabilities as weights (with k = 1, as in Switch ' +
    'Transformers, the single expert is scaled by its probability; with k > 1 the k weights are ' +
    'rescaled to sum to 1). The model holds many experts worth of parameters but each token pays ' +
    'for only k of them. The router probabilities are shown per token.',
  doc: `
**Paper:** "Switch Transformers: Scaling to Trillion Parameter Models with Simple and Efficient
Sparsity" (Fedus et al., 2021) for k = 1; top-k routing as in "GShard" (Lepikhin et al., 2020) and
Mixtral (Jiang et al., 2024).

**Math:** p = softmax(x W_r) over E experts (W_r: [d, E], no bias); keep the k largest p_e and set
the other gates to 0; k = 1: g = p_max (Switch, not renormalised); k > 1: g_e = p_e / Σ_{kept} p_e'
(renormalised to sum to 1); y = Σ_e g_e · (gelu(x W1ᵉ + b1ᵉ) W2ᵉ + b2ᵉ), hidden width e·d per expert.

Several MLPs ("experts") sit side by side and a small router chooses which handle each token. The
router scores every expert from the token vector and turns the scores into probabilities with a
softmax (shown per token as \`router_probs.<layer>\`, shape [B, T, E]). Only the k most likely experts
are used; their outputs are mixed with the gates as weights. The model holds E experts' worth of
parameters but, with sparse dispatch, each token pays for only k of them. The playground computes
every expert densely and multiplies the unused ones by an exact zero gate, which gives the same
output. Ties between router probabilities have probability zero with random weights, so exactly k
experts are kept per token.

**Training:** the block declares the Switch Transformer's load-balancing loss,
α · E · Σ_e f_e · P_e with α = 0.01, where f_e is the share of the B·T·k routing choices that went
to expert e and P_e the mean router probability of e. It is smallest (α) when routing is uniform.
f_e comes from the top-k choice and carries no gradient; P_e carries it to the router. The trainer
adds it to the cross-entropy (docs/training.md); inference graphs leave it out.
`,
  params: z.object({
    experts: z.number().int().min(2).max(8).default(4),
    k: z.number().int().min(1).max(8).describe('experts per token, at most experts').default(2),
    expansion: z.number().int().min(1).max(8).default(2),
  }),
  check: (p) => (p.k > p.experts ? `parameter "k" must be at most the number of experts (${p.experts}), got ${p.k}` : null),
  emit(ctx, x, p) {
    const { b, B, dModel: d } = ctx;
    const E = p.experts;
    const h = d * p.expansion;
    const probs = b.softmax(ctx.linear(x, d, E, 'router', { bias: false }), -1); // [B, T, E]
    ctx.probe('router_probs', probs);
    // Expert e is kept when fewer than k experts beat it: its rank from pairwise comparisons
    // (exact; ONNX TopK has no WebGPU kernel in onnxruntime-web and would run on the CPU).
    const T = x.shape[1]!;
    const beaten = b.greater(b.reshape(probs, [B, T, 1, E]), b.reshape(probs, [B, T, E, 1])); // [B, T, E, E]: p_e' > p_e
    const rank = b.reduceSum(b.cast(beaten, 'float32'), [-1], false); // [B, T, E]
    const kept = b.cast(b.less(rank, b.scalar(p.k)), 'float32'); // [B, T, E]: 1 for the top-k experts
    let gates = b.mul(probs, kept); // [B, T, E]: top-k kept
    if (ctx.auxLoss) {
      // Switch Transformer load balancing: α · E · Σ_e f_e · P_e (f: routed share, P: mean probability).
      const share = b.div(b.reduceSum(kept, [0, 1], false), b.scalar(B * T * p.k)); // [E]
      const mean = b.reduceMean(probs, [0, 1], false); // [E]
      ctx.auxLoss(b.mul(b.scalar(BALANCE * E), b.reduceSum(b.mul(share, mean), [0], false)));
    }
    if (p.k > 1) gates = b.div(gates, b.reduceSum(gates, [-1], true)); // [B, T, E]: rows sum to 1

    // All experts at once: [B, 1, T, d] @ [E, d, h] broadcasts to [B, E, T, h]. At B = 1 the unit
    // axis is left out ([1, T, d] @ [E, d, h] → [E, T, h]): the inference graph as it always was.
    const w1 = ctx.weight('w1', [E, d, h], { kind: 'normal', std: 1 / Math.sqrt(d) });
    const b1 = ctx.weight('b1', [E, 1, h], { kind: 'constant', value: 0 });
    const w2 = ctx.weight('w2', [E, h, d], { kind: 'normal', std: 1 / Math.sqrt(h) });
    const b2 = ctx.weight('b2', [E, 1, d], { kind: 'constant', value: 0 });
    const hidden = gelu(ctx, b.add(b.matmul(B === 1 ? x : b.reshape(x, [B, 1, T, d]), w1), b1)); // [B, E, T, h] ([E, T, h] at B = 1)
    const out = b.add(b.matmul(hidden, w2), b2); // [B, E, T, d]
    if (B === 1) return b.reduceSum(b.mul(out, b.transpose(gates, [2, 1, 0])), [0], true); // [E, T, d] · [E, T, 1] → [1, T, d]
    const g = b.reshape(b.transpose(gates, [0, 2, 1]), [B, E, T, 1]); // [B, E, T, 1]
    return b.reduceSum(b.mul(out, g), [1], false); // [B, T, d]
  },
});
