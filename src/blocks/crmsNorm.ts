/**
 * Compressed RMSNorm (CRMSNorm), the norm of the Pre-CRMSNorm Transformer.
 * Paper: "Pre-RMSNorm and Pre-CRMSNorm Transformers: Equivalent and Efficient Pre-LN Transformers"
 * (Jiang, Gu, Zhu & Pan, NeurIPS 2023). Checked against the authors' code
 * (ZixuanJiang/pre-rmsnorm-transformer: torch/customized_layer.py crms_norm, example.py).
 *
 * The paper's argument, in three steps:
 *  1. LayerNorm does not see the mean of its input: LN(x) = LN(x − mean(x)). So a Pre-LN model
 *     whose main branch (the residual stream) is kept zero-mean computes the same thing: centre the
 *     embeddings, and centre each residual branch's output projection (W_o ← W_o − row means,
 *     b_o ← b_o − mean(b_o)). LN's γ and β are folded into the linear layers that read it.
 *  2. On a zero-mean vector LN without affine equals RMSNorm: (x − 0)/√(var + ε) = x/√(mean(x²) + ε).
 *  3. A zero-mean vector x ∈ ℝᵈ is stored losslessly by its first d − 1 coordinates x̂, since
 *     x_d = −Σ x̂. Then mean(x²) = (‖x̂‖² + (Σx̂)²)/d, and
 *        CRMSNorm(x̂) = x̂ / √((‖x̂‖² + (Σx̂)²)/d + ε)            (the code: ε inside, as RMSNorm).
 *     The linear layer reading it takes the compressed input: x W = x̂ (W_{1..d−1} − W_d).
 *
 * Our form. The playground's stream has d coordinates and its linear layers read d-vectors, so the
 * block reads x̂ = the first d − 1 coordinates of the stream, ignores the last one, and hands the
 * sub-block the reconstructed zero-mean vector [x̂, −Σx̂] / √((‖x̂‖² + (Σx̂)²)/d + ε) · γ. That
 * vector times W is exactly the paper's x̂ times the compressed W (step 3), so a model with this
 * norm is a Pre-CRMSNorm Transformer whose stream carries one extra coordinate that nothing reads
 * (the paper would not store it). We keep RMSNorm's learnable gain γ (1 at the start) so the block
 * trains from scratch like the other norms; the paper folds it into the next linear layer.
 * test/blocks/crmsNorm.test.ts converts a Pre-LN model's weights (steps 1–3) and checks that the
 * Pre-LN, Pre-RMSNorm and Pre-CRMSNorm models give the same logits, and that the CRMSNorm model is
 * blind to the stream's last coordinate.
 */
import { z } from 'zod';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'crms_norm',
  slot: 'norm',
  diagram: { label: 'CRMS', name: 'CRMSNorm' },
  title: 'CRMSNorm',
  paper: 'Pre-RMSNorm and Pre-CRMSNorm Transformers: Equivalent and Efficient Pre-LN Transformers',
  explanation:
    'RMSNorm for a stream whose vectors have zero mean. A zero-mean vector is known from all but one ' +
    'of its numbers (the last is minus the sum of the others), so CRMSNorm reads only the first d − 1 ' +
    'features, rebuilds the last, and divides by the root mean square. The paper shows that a Pre-LN ' +
    'model, once its embeddings and output projections are re-centred, computes exactly the same ' +
    'thing with RMSNorm or with this compressed norm, only cheaper. Here the last feature of the ' +
    'stream is simply never read.',
  doc: `
**Paper:** "Pre-RMSNorm and Pre-CRMSNorm Transformers: Equivalent and Efficient Pre-LN
Transformers" (Jiang et al., NeurIPS 2023); checked against the authors' code
(ZixuanJiang/pre-rmsnorm-transformer, \`crms_norm\` and \`example.py\`).
**Math:** x̂ = x_{1..d−1}; y = [x̂, −Σx̂] / √((‖x̂‖² + (Σx̂)²)/d + ε) · γ. The last coordinate of the
stream is not read: for a zero-mean x it equals −Σx̂, and then y = RMSNorm(x) = LN(x).

The paper's equivalence: LayerNorm ignores the mean of its input, so a Pre-LN model whose
embeddings and residual-branch output projections are re-centred (and whose LN gains and biases are
folded into the next linear layers) computes the same logits with a zero-mean stream, where LN is
RMSNorm; a zero-mean d-vector is stored without loss by d − 1 numbers, where RMSNorm becomes
CRMSNorm. The test converts a Pre-LN model this way and checks that all three give the same logits.
Here the stream keeps its d-th coordinate (the playground's layers read d-vectors) but no norm
reads it, and the norm rebuilds it for the next linear layer: x W = x̂ (W_{1..d−1} − W_d), the paper's
compressed projection. The learnable gain γ (RMSNorm's) stays so the block trains from scratch; the
paper folds it into the next linear layer. The equivalence is the paper's for the **pre** placement;
with a tied unembedding (as here) the final norm's gain must be uniform for the conversion to hold.
`,
  params: z.object({ epsilon: z.number().min(1e-12).max(1e-2).default(1e-5) }),
  emit(ctx, x, p) {
    const { b, dModel: d } = ctx;
    const gamma = ctx.weight('gamma', [d], { kind: 'constant', value: 1 });
    const kept = b.slice(x, [-1], [0], [d - 1]); // x̂ [B, T, d − 1]
    const sum = b.reduceSum(kept, [-1], true); // Σx̂ [B, T, 1]
    const full = b.concat([kept, b.neg(sum)], -1); // [x̂, −Σx̂]: the zero-mean vector [B, T, d]
    // (‖x̂‖² + (Σx̂)²)/d is the mean square of the rebuilt vector.
    const meanSquare = b.reduceMean(b.mul(full, full), [-1], true); // [B, T, 1]
    const rms = b.sqrt(b.add(meanSquare, b.scalar(p.epsilon)));
    return b.mul(b.div(full, rms), gamma); // [B, T, d]
  },
});
