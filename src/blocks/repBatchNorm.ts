/**
 * Progressive re-parameterised BatchNorm (PRepBN).
 * Paper: "SLAB: Efficient Transformers with Simplified Linear Attention and Progressive
 * Re-parameterized BatchNorm" (Guo, Chen, Tang & Wang, ICML 2024). Checked against the official
 * code (xinghaochen/SLAB: classification/models/prepbn.py RepBN and LinearNorm; swin_transformer.py
 * merge_bn for the folding).
 *
 *   RepBN(x) = BN(x) + α·x,   BN(x) = (x − μ) / √(σ² + ε) · γ + β     (α learnable, 1 at the start)
 *   training:  y = λ·LN(x) + (1 − λ)·RepBN(x), BN with the batch's statistics
 *   inference: y = RepBN(x), BN with the running statistics
 *
 * The schedule (LinearNorm): for the first `warm` training steps y = LN(x) and BN is not run (its
 * running statistics stay as they are); then λ = r0 · iter / steps, where iter starts at `steps`
 * and drops by one each step down to 0. So at training step s (from 1):
 *   s ≤ warm:  λ = 1;   s > warm:  λ = r0 · clip(steps − (s − warm − 1), 0, steps) / steps.
 * LN has its own gain and bias (the code's norm1 = nn.LayerNorm(dim)), used only in training.
 *
 * BatchNorm as torch's BatchNorm1d on [B, C, N] does it: per feature, the statistics run over all
 * B·T tokens of the batch; normalise with the biased variance; running statistics kept by an
 * exponential moving average with momentum m (0.1): μ_run ← (1 − m)·μ_run + m·μ_B and
 * σ²_run ← (1 − m)·σ²_run + m·σ²_B · n/(n − 1) (unbiased), n = B·T. The running statistics are
 * weights the training step sets (ctx.statistic; returned as next.<name>), not the optimizer;
 * they start at μ = 0, σ² = 1 as in torch, and trained files store them with the weights.
 *
 * Inference: BN with fixed statistics plus α·x is one per-feature affine map,
 *   y = x ⊙ a + c,  a = γ/√(σ²_run + ε) + α,  c = β − γ·μ_run/√(σ²_run + ε)
 * (merge_bn's a and b). It is marked foldable (builder.affine): in fast graphs graph/fold.ts
 * folds it into the linear layers that read it, W ← diag(a)·W, b ← c·W + b, as merge_bn does with
 * qkv and fc1, so at run time the norm costs nothing.
 *
 * Not from the paper: in a causal language model the batch statistics of training mix all
 * positions of all sequences, so a token's normalisation sees (a little of) the future during
 * training; inference uses the running statistics and sees nothing. Looped layers share their
 * running statistics, updated by the first pass only.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock } from './define';

/** λ of SLAB's LinearNorm at training step s (from 1): 1 while warming up, then r0·iter/steps falling to 0. */
export function progressiveLambda(s: number, p: { warm: number; steps: number; r0: number }): number {
  if (s <= p.warm) return 1;
  const iter = Math.min(p.steps, Math.max(0, p.steps - (s - p.warm - 1)));
  return (p.r0 * iter) / p.steps;
}

export default defineBlock({
  kind: 'rep_batch_norm',
  slot: 'norm',
  diagram: { label: 'RepBN', name: 'RepBN' },
  title: 'Progressive RepBN (SLAB)',
  paper: 'SLAB: Efficient Transformers with Simplified Linear Attention and Progressive Re-parameterized BatchNorm',
  explanation:
    'BatchNorm instead of LayerNorm: each feature is normalised with statistics gathered over many ' +
    'tokens, plus a learned share α of the raw input. At inference the statistics are fixed, so the ' +
    'whole norm is a per-feature scale and shift that folds into the next linear layer and costs ' +
    'nothing. BatchNorm alone trains badly in transformers, so training starts from LayerNorm and ' +
    'hands over to BatchNorm gradually: the mix λ·LN + (1 − λ)·RepBN, with λ falling from 1 to 0 ' +
    'over the first steps.',
  doc: `
**Paper:** "SLAB: Efficient Transformers with Simplified Linear Attention and Progressive
Re-parameterized BatchNorm" (Guo et al., ICML 2024). Checked against the official code
(xinghaochen/SLAB: \`prepbn.py\` RepBN and LinearNorm, \`merge_bn\` in swin_transformer.py).
**Math:** RepBN(x) = BN(x) + α·x with BN(x) = (x − μ)/√(σ² + ε)·γ + β per feature, α learnable
(1 at the start). Training: y = λ·LN(x) + (1 − λ)·RepBN(x) with the batch's μ, σ² (biased) over all
B·T tokens; LN has its own gain and bias (\`ln_gamma\`, \`ln_beta\`, in training graphs only). Schedule (the code's LinearNorm): λ = 1 for the first
\`warm\` steps (BN not run), then λ = r0·iter/\`steps\` with iter counting down from \`steps\` to 0, one a
step. Inference: RepBN with the running statistics, which is one affine map
y = x ⊙ (γ/√(σ²_run + ε) + α) + (β − γ·μ_run/√(σ²_run + ε)).

**Running statistics:** kept as torch's BatchNorm keeps them, an exponential moving average with
momentum m: μ_run ← (1 − m)μ_run + m·μ_B, σ²_run ← (1 − m)σ²_run + m·σ²_B·n/(n − 1), n = B·T,
from μ = 0, σ² = 1. They are weights the training step sets (returned as \`next.<name>\`, like the
optimiser's state) rather than the optimiser; trained files store them with the other weights.

**Folding:** in fast graphs the affine map is folded into the linear layers that read it
(W ← diag(a)W, b ← cW + b, the code's \`merge_bn\`); onnxruntime computes the folded weights once
when it loads the model, so the norm costs nothing at run time. Where the norm's output feeds
something other than linear layers (post placement, Peri-LN's output norm) it stays an affine map.

Not from the paper: in a causal language model the batch statistics mix all positions, so during
training a token's normalisation sees a little of the future (inference does not). The default
\`steps\` = 200 is a fifth of the playground's default 1000-step run, roughly the share SLAB's Swin
and DeiT recipes use (60 000 steps of about 375 000); the code's own default is 300 000.
`,
  params: z.object({
    epsilon: z.number().min(1e-12).max(1e-2).default(1e-5),
    momentum: z.number().min(0.001).max(1).describe('of the running statistics').default(0.1),
    warm: z.number().int().min(0).max(100000).describe('steps of LayerNorm alone').default(0),
    steps: z.number().int().min(1).max(1000000).describe('steps over which λ falls from r0 to 0').default(200),
    r0: z.number().min(0).max(1).describe('λ when the hand-over starts').default(1),
  }),
  emit(ctx, x, p) {
    const { b, dModel: d } = ctx;
    const gamma = ctx.weight('gamma', [d], { kind: 'constant', value: 1 });
    const beta = ctx.weight('beta', [d], { kind: 'constant', value: 0 });
    const alpha = ctx.weight('alpha', [1], { kind: 'constant', value: 1 });
    const statistic = ctx.statistic ?? ctx.weight;
    const runningMean = statistic('running_mean', [d], { kind: 'constant', value: 0 });
    const runningVar = statistic('running_var', [d], { kind: 'constant', value: 1 });
    const eps = b.scalar(p.epsilon);

    if (!ctx.training) {
      // BN with fixed statistics plus α·x: one affine map, folded into the next linear layer.
      const inv = b.div(gamma, b.sqrt(b.add(runningVar, eps))); // γ/√(σ²_run + ε) [d]
      return b.affine(x, b.add(inv, alpha), b.sub(beta, b.mul(inv, runningMean)));
    }

    // Training: BN with the batch's statistics over all B·T tokens, mixed with LN.
    const n = x.shape.slice(0, -1).reduce((a, c) => a * c, 1);
    const mean = b.reduceMean(x, [0, 1], true); // [1, 1, d]
    const centred = b.sub(x, mean);
    const variance = b.reduceMean(b.mul(centred, centred), [0, 1], true); // biased, [1, 1, d]
    const bn = b.add(b.mul(b.div(centred, b.sqrt(b.add(variance, eps))), gamma), beta);
    const rep = b.add(bn, b.mul(x, alpha)); // RepBN(x)
    const ln = b.layerNorm(x, ctx.weight('ln_gamma', [d], { kind: 'constant', value: 1 }), ctx.weight('ln_beta', [d], { kind: 'constant', value: 0 }), p.epsilon);

    const step = ctx.training.step();
    const iter = b.clip(b.sub(b.scalar(p.steps + p.warm + 1), step), 0, p.steps); // steps − (s − warm − 1), clipped
    const warming = p.warm > 0 ? b.lessOrEqual(step, b.scalar(p.warm)) : null;
    let lambda = b.mul(iter, b.scalar(p.r0 / p.steps));
    if (warming) lambda = b.where(warming, b.scalar(1), lambda);
    const y = b.add(b.mul(ln, lambda), b.mul(rep, b.sub(b.scalar(1), lambda)));

    // Running statistics: torch's moving average (unbiased variance); left alone while warming up.
    const m = p.momentum;
    const ema = (old: Tensor, batch: Tensor) => b.add(b.mul(old, b.scalar(1 - m)), b.mul(b.reshape(batch, [d]), b.scalar(m)));
    let nextMean = ema(runningMean, mean);
    let nextVar = ema(runningVar, b.mul(variance, b.scalar(n > 1 ? n / (n - 1) : 1)));
    if (warming) {
      nextMean = b.where(warming, runningMean, nextMean);
      nextVar = b.where(warming, runningVar, nextVar);
    }
    ctx.training.update(runningMean, nextMean);
    ctx.training.update(runningVar, nextVar);
    return y;
  },
});
