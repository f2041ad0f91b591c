/**
 * Attention-map sharing across layers (EchoAtt). Paper: "EchoAtt: Attend, Copy, then Adjust for
 * More Efficient Large Language Models" (Rajabzadeh, Jafari et al., NeurIPS 2024 ENLSP workshop,
 * PMLR 262; arXiv 2409.14595).
 *
 * The layer computes no attention of its own: it takes the probabilities A [B, H, T, T] an earlier
 * layer run computed (the run its parameter `from` names: sourceRun below) and mixes its own
 * values with them:
 *
 *   v = x W_V,   y = concat_h(A_h v_h) W_O        (A from the earlier layer, as it is: no Q, no K)
 *
 * What was checked (the abstract, the PMLR page and two summaries of the paper; no authors' code
 * was found): inner layers of LLMs have highly similar attention matrices; EchoAtt groups such
 * layers into shared-attention blocks in which the attention matrix of the block's first layer is
 * reused by the layers after it ("Attend, Copy"); "Adjust" is the training that follows, a
 * two-stage knowledge distillation from the unshared teacher (the first stage on the teacher's
 * pseudo-labels; the second stage's details were not read), not a change to the copied map. So
 * the copied map is applied unchanged here.
 * UNVERIFIED (the method section was not read): that a sharing layer keeps its own W_V and W_O and
 * drops W_Q and W_K. It is what the paper's numbers suggest (≈4% fewer parameters in TinyLLaMA-1.1B,
 * about the Q and K projections of the shared layers) and what sharing a map leaves to compute.
 *
 * The copied map carries the source's mask and position bias (causal or not, ALiBi, RoPE): this
 * layer has none of its own. The gradient flows through A into the source layer's Q and K, which
 * so learn a map that serves both layers. Cost: the T×T product A v, as in the source layer (no
 * fast form avoids it: the map is given as a T×T matrix). A source whose fast path never builds
 * its map (ProbSparse, shifted windows) is emitted in its inspect form when a later layer copies
 * it (compiler/compile.ts): same output, map materialised. The inspect map is A itself, explicit.
 */
import { z } from 'zod';
import { defineBlock, type LayerRunInfo, type StackContext } from './define';
import { mergeHeads, splitHeads } from './nn';
import { rowPositionsOf, slotTensors, writeSlot } from './kvCache';

/**
 * The run whose map run `r` copies, given `from`, or why there is none:
 *   from < 0   relative: the run |from| runs back (−1: the run just before);
 *   from ≥ 0   absolute: spec layer `from`, its latest run before run r.
 * Runs are the layer schedule's (loops unrolled): inside a loop "−1" is another run on each pass.
 */
export function sourceRun(from: number, r: number, runs: readonly Pick<LayerRunInfo, 'layer' | 'name'>[]): number | string {
  const here = runs[r]?.name ?? `run ${r + 1}`;
  if (from < 0) {
    const s = r + from;
    return s >= 0 ? s : `there is no layer run ${-from} before ${here} (it is run ${r + 1} of the stack)`;
  }
  for (let s = r - 1; s >= 0; s--) if (runs[s]!.layer === from) return s;
  return `layer ${from} does not run before ${here}`;
}

/**
 * Why the mixer of `stack.layer` cannot copy what `from` names on one of its runs, or null. The
 * map copied must be attention probabilities: the source's mixer must declare an explicit map
 * (non-negative rows summing to 1); an implicit map is a signed linearisation, not one.
 */
function sourceProblem(from: number, { layer, runs }: StackContext): string | null {
  for (let r = 0; r < runs.length; r++) {
    if (runs[r]!.layer !== layer || runs[r]!.mixer.dropped) continue;
    const s = sourceRun(from, r, runs);
    if (typeof s === 'string') return `parameter "from" (${from}) names no earlier layer: ${s}`;
    const { name, mixer } = runs[s]!;
    if (mixer.dropped) return `parameter "from" (${from}) names ${name}, whose mixer is dropped: it computes no attention map to copy`;
    if (mixer.map !== 'explicit') {
      return `parameter "from" (${from}) names ${name}, whose mixer (${mixer.title}) has no attention probabilities to copy: its map is ${mixer.map ?? 'missing'}, not explicit`;
    }
  }
  return null;
}

export default defineBlock({
  kind: 'echo_attention',
  slot: 'mixer',
  title: 'Shared attention map (EchoAtt)',
  paper: 'EchoAtt: Attend, Copy, then Adjust for More Efficient Large Language Models',
  explanation:
    'This layer does not compute attention: it copies the attention map of an earlier layer and ' +
    'mixes its own values with it. Inner layers of large models attend in very similar ways, so ' +
    'EchoAtt lets later layers reuse an earlier layer\'s map and skip the query–key products, then ' +
    'fine-tunes the model by distillation so it adjusts to the sharing. The parameter "from" picks ' +
    'the layer: −1 the one just before, −2 two back, or 0, 1, … a layer by its number. Its map ' +
    'is shown with a badge saying which layer it was copied from.',
  map: 'explicit',
  copiesMap: true,
  doc: `
**Paper:** "EchoAtt: Attend, Copy, then Adjust for More Efficient Large Language Models"
(Rajabzadeh, Jafari et al., NeurIPS 2024 ENLSP workshop, PMLR 262; arXiv 2409.14595).
**Math:** A = the attention probabilities [H, T, T] of the earlier layer run named by \`from\`
(−k: k runs back; k ≥ 0: layer k's latest run before this one); y = concat_h(A_h (x W_V)_h) W_O.
No queries, no keys, no mask or position bias of its own: the copied map already has them.
**Map:** explicit, the copied A (the map view's badge names the layer it comes from).
**Checked:** abstract, proceedings page and summaries (shared-attention blocks reuse the first
layer's attention matrix; "Adjust" = two-stage distillation from the unshared teacher, a training
procedure, so the map is copied unchanged). UNVERIFIED (method section not read): that shared layers
keep their own W_V and W_O and drop W_Q and W_K (consistent with the reported ≈4% fewer parameters).
Refused when \`from\` names no earlier run, or a run whose mixer's map is not explicit (implicit maps
are signed linearisations, not probabilities). A source whose fast path builds no map (ProbSparse,
shifted windows) runs its inspect form, in both modes, when a later layer copies it.
**Decoding:** a cache of its own values at every position, d floats per token per layer (its
declared size cannot depend on the source's layout, which its parameters do not name). Each step
takes the row of weights the source run's decode step gave over the source's cache slots, reads
its values at the positions those slots hold (a window's ring, sinks) and mixes them: exact for any
source layout, O(slots·headDim) per head. Refused when the source decodes by the generic form,
which gives no row (a source whose mixer has no token-by-token form of its own).
`,
  params: z.object({
    from: z.number().int().min(-47).max(11).describe('earlier layer: −k = k layer runs back, k ≥ 0 = spec layer k').default(-1),
  }),
  checkInSpec: (p, stack) => sourceProblem(p.from, stack),
  emit(ctx, x, p) {
    const { b, dModel } = ctx;
    const source = sourceRun(p.from, ctx.layer, ctx.runs ?? []);
    if (typeof source === 'string') throw new Error(`EchoAtt: ${source}`);
    const probs = ctx.earlierProbs?.(source) ?? null;
    if (!probs) throw new Error(`EchoAtt: ${ctx.runs?.[source]?.name ?? `run ${source + 1}`} gave no attention map in ${ctx.mode} mode to copy`);
    const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v')); // [B, H, T, hd]
    const out = b.matmul(probs, v); // [B, H, T, T] × [B, H, T, hd]
    return { y: ctx.linear(mergeHeads(ctx, out), dModel, dModel, 'o'), probs };
  },
  // Decoding: its values cached at every position; the source's row this step, over the source's slots.
  decode: {
    state: (_p, m) => [{ name: 'v', kind: 'cache', shape: (C) => [m.nHeads, C, m.dModel / m.nHeads], note: 'values, at every position' }],
    emit(ctx, x, p, state) {
      const { b, dModel, decode: dec } = ctx;
      const C = dec.capacity;
      const source = sourceRun(p.from, ctx.layer, ctx.runs ?? []);
      if (typeof source === 'string') throw new Error(`EchoAtt: ${source}`);
      const name = ctx.runs?.[source]?.name ?? `run ${source + 1}`;
      const row = ctx.earlierProbs?.(source) ?? null; // [B, H, 1, slots]: the source's weights this step
      if (!row) {
        throw new Error(`EchoAtt cannot decode token by token: ${name} decodes by the generic form (its inputs recomputed each step), which gives no row of attention weights to copy`);
      }
      const V = writeSlot(b, state['v']!, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v')), slotTensors(b, dec, { kind: 'full' }).write); // [B, H, C, hd]
      const slots = row.shape[3]!;
      const positions = rowPositionsOf(row);
      if (!positions && slots !== C) throw new Error(`EchoAtt cannot decode token by token: the row ${name} gives is over ${slots} cache slots whose positions are not known`);
      // The values at the positions the source's slots hold (empty slots have weight 0; read position 0).
      const picked = positions
        ? b.transpose(b.gather(b.transpose(V, [2, 0, 1, 3]), b.cast(b.clip(positions, 0), 'int64')), [1, 2, 0, 3]) // [B, H, slots, hd]
        : V;
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(row, picked)), dModel, dModel, 'o'), next: { v: V }, row };
    },
  },
});
