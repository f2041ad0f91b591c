/**
 * Ladder residual: every module reads the residual stream from one module earlier, so it can start
 * before the previous module's result has arrived. Paper: "Ladder-Residual: Parallelism-Aware
 * Architecture for Accelerating Large Model Inference with Communication Overlapping" (Zhang et al.,
 * ICML 2025).
 *
 *   r_i = r_{i−1} ⊕ f_i(r_{i−2})     (modules f: the mixer, then the feed-forward, layer by layer)
 * ⊕ adds with the layer's norm placement (residual.ts). Before the first module r_{−1} = r_0.
 */
import { z } from 'zod';
import { defineBlock } from './define';
import { chainModules } from './residual';

export default defineBlock({
  kind: 'ladder',
  slot: 'topology',
  layout: 'ladder',
  title: 'Ladder residual',
  paper: 'Ladder-Residual: Parallelism-Aware Architecture for Accelerating Large Model Inference with Communication Overlapping',
  explanation:
    'Each sub-block reads the residual stream as it was one sub-block ago, not the latest value, ' +
    'and adds its result to the latest. On several GPUs this lets a block start computing while the ' +
    'previous block\'s result is still being exchanged. The model works with slightly stale inputs, ' +
    'which costs little because the stream changes slowly from block to block.',
  doc: `
**Paper:** "Ladder-Residual: Parallelism-Aware Architecture for Accelerating Large Model Inference
with Communication Overlapping" (Zhang et al., ICML 2025).
**Math:** r_i = r_{i−1} ⊕ f_i(r_{i−2}) over the sequence of modules f (mixer, feed-forward, layer
after layer), with r_{−1} = r_0. Each module reads the stream as it was one module earlier and adds
to the latest. On several GPUs, a module can then start while the previous one's all-reduce is
still in flight.
`,
  params: z.object({}),
  // r_i = r_{i−1} ⊕ f_i(r_{i−2}): each module reads `prev`. A module that is not there (ffn "none",
  // or dropped) leaves the sequence of modules, so the next one reads one module earlier than it.
  emit: (ctx, state, parts) => chainModules(ctx, parts, state, (s) => s.prev),
});
