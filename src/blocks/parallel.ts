/**
 * Parallel blocks: the mixer and the feed-forward both read the same stream, and both results are
 * added at once. Paper: "PaLM: Scaling Language Modeling with Pathways" (Chowdhery et al., 2022);
 * first used in GPT-J (Wang & Komatsuzaki, 2021).
 *
 *   pre:  x' = x + Mixer(N_m(x)) + FFN(N_f(x))
 *   post: x' = N_m(x + Mixer(x) + FFN(x))
 *   peri: x' = x + N_m,out(Mixer(N_m(x))) + N_f,out(FFN(N_f(x)))
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import { defineBlock } from './define';

export default defineBlock({
  kind: 'parallel',
  slot: 'topology',
  layout: 'parallel',
  title: 'Parallel',
  paper: 'PaLM: Scaling Language Modeling with Pathways',
  explanation:
    'The token mixer and the feed-forward block read the same input side by side, and both results ' +
    'are added to the stream together. The two can run at the same time, which PaLM found about 15% ' +
    'faster to train at scale, at a small cost in quality for small models. The feed-forward block ' +
    'no longer sees what the mixer just wrote.',
  doc: `
**Paper:** "PaLM: Scaling Language Modeling with Pathways" (Chowdhery et al., 2022); first in GPT-J.
**Math:** pre: x' = x + Mixer(N_m(x)) + FFN(N_f(x)). post: x' = N(x + Mixer(x) + FFN(x)), with one
norm. peri: x' = x + N_m,out(Mixer(N_m(x))) + N_f,out(FFN(N_f(x))). Both modules read the same x,
so the feed-forward no longer sees what the mixer wrote in this layer.
`,
  params: z.object({}),
  emit(ctx, { x }, parts) {
    const { b } = ctx;
    const modules: [string, (u: Tensor) => Tensor][] = [['mixer', parts.mixer], ...(parts.ffn ? [['ffn', parts.ffn] as [string, (u: Tensor) => Tensor]] : [])];
    if (parts.placement === 'post') {
      // One norm after the joint sum.
      return { x: parts.norm('norm_mixer', modules.reduce((acc, [, f]) => b.add(acc, f(x)), x)), prev: x };
    }
    const branch = (name: string, f: (u: Tensor) => Tensor) => {
      const out = f(parts.norm(`norm_${name}`, x));
      return parts.placement === 'peri' ? parts.norm(`norm_${name}_out`, out) : out;
    };
    return { x: modules.reduce((acc, [name, f]) => b.add(acc, branch(name, f)), x), prev: x };
  },
});
