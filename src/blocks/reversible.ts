/**
 * Reversible residual layers: two streams, each module adds to one of them what it read from the
 * other, so a layer's inputs can be computed back from its outputs and a reversible stack need not
 * keep its activations for the backward pass. Papers: "The Reversible Residual Network:
 * Backpropagation Without Storing Activations" (Gomez et al., 2017) for the coupling; "Reversible
 * Vision Transformers" (Mangalam et al., 2022; read: the authors' minimal code, karttikeya/minREV
 * rev.py) for its use with attention as F and an MLP as G, pre-LN inside each, and two copies of
 * the input. "Reversible Column Networks" (Cai et al., 2023), which the issue names, applies
 * reversible couplings between whole columns of a multi-level network; that is not built here.
 *
 *   y₁ = x₁ ⊕ Mixer(x₂),   y₂ = x₂ ⊕ FFN(y₁)
 *   inverse: x₂ = y₂ − FFN(y₁), x₁ = y₁ − Mixer(x₂)
 *
 * ⊕ is the addition with the layer's norm placement (residual.ts): pre x + F(N(u)), peri
 * x + N(F(N(u))). Both keep the add outside every norm, so each step is undone by a subtraction.
 * Post-LN normalises the sum itself and cannot be undone: it is refused.
 *
 * Two copies, not two halves. Splitting d into halves would make the mixer and the feed-forward
 * run at width d/2, a different model from the one the spec's other layers describe. So the
 * stream entering the first of a run of reversible layers is duplicated, x₁ = x₂ = x (as in the
 * authors' minimal RevViT code), and each reversible layer passes (y₁, y₂) on to the next one.
 * The single stream every other part reads (the next non-reversible layer, the final norm and the
 * unembedding, the residual-size probe) is their mean x′ = (y₁ + y₂)/2. RevViT ends with a
 * concatenation and a learned 2d → classes head; the tied unembedding here takes width d, so the
 * mean is the fusion with no new weights. With both modules zero, the layer is the identity.
 * In inspect mode the two streams come out as `rev_streams.<run>` [B, T, 2d] (y₁ then y₂), which
 * is how the test computes the inputs back from the outputs.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { residualModule } from './residual';

export default defineBlock({
  kind: 'reversible',
  slot: 'topology',
  layout: 'reversible',
  title: 'Reversible (two streams)',
  paper: 'The Reversible Residual Network: Backpropagation Without Storing Activations',
  explanation:
    'The residual stream is carried as two copies. The token mixer reads the second and adds its ' +
    'result to the first; the feed-forward block reads that updated first stream and adds to the ' +
    'second. Because each step only adds something computed from the other stream, it can be undone ' +
    'by subtracting it again: a layer\'s inputs can be recomputed from its outputs, so training ' +
    'need not store them. Consecutive reversible layers pass both streams on; the rest of the model ' +
    'sees their average.',
  doc: `
**Papers:** "The Reversible Residual Network: Backpropagation Without Storing Activations" (Gomez
et al., 2017); with attention and an MLP: "Reversible Vision Transformers" (Mangalam et al., 2022;
checked against the authors' minimal code, karttikeya/minREV). "Reversible Column Networks" (Cai et
al., 2023) couples whole columns of a multi-level network reversibly; only the RevNet coupling is
built here.
**Math:** y₁ = x₁ ⊕ Mixer(x₂), y₂ = x₂ ⊕ FFN(y₁), ⊕ the residual add with the layer's placement (pre
or peri; post is refused: a norm on the sum cannot be undone). Inverse: x₂ = y₂ − FFN(y₁), then
x₁ = y₁ − Mixer(x₂). The stream entering a run of reversible layers is duplicated (x₁ = x₂ = x: two
copies, so both modules keep the model's width); consecutive reversible layers pass (y₁, y₂) on, and
everything else reads their mean (y₁ + y₂)/2 (RevViT concatenates and learns a 2d-wide head instead;
the tied unembedding here takes width d). Inspect mode adds the output \`rev_streams.<run>\`
[B, T, 2d] = (y₁, y₂).
`,
  params: z.object({}),
  checkInSpec: (_p, { placement }) =>
    placement === 'post'
      ? 'Post-LN normalises the sum x₁ + Mixer(x₂) itself, which cannot be undone; use the pre or peri placement'
      : null,
  emit(ctx, { x, pair }, parts) {
    const { b } = ctx;
    const half = (s: typeof x, t: typeof x) => b.mul(b.add(s, t), b.scalar(0.5));
    const [x1, x2] = pair ?? [x, x];
    const y1 = parts.mixer ? residualModule(ctx, parts, 'mixer', x1, x2, parts.mixer) : x1; // y₁ = x₁ ⊕ Mixer(x₂) (x₁ when the mixer is dropped)
    const y2 = parts.ffn ? residualModule(ctx, parts, 'ffn', x2, y1, parts.ffn) : x2; // y₂ = x₂ ⊕ FFN(y₁)
    ctx.probe('rev_streams', b.concat([y1, y2], 2));
    // prev: the mean of the two streams one module earlier, (y₁ + x₂)/2 (what a ladder layer next reads).
    return { x: half(y1, y2), prev: half(y1, x2), pair: [y1, y2] };
  },
});
