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
import { modulesOf, similarityProbe } from './residual';

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
    const modules = modulesOf(parts); // a dropped or absent module is left out with its norms
    if (!modules.length) return { x, prev: x };
    if (parts.placement === 'post') {
      // One norm after the joint sum. Each module's similarity probe: cos(x, x + F(x)), the stream
      // with that module's branch alone added (the joint norm belongs to no single module).
      const outs = modules.map(([name, f]) => {
        const y = f(x);
        similarityProbe(ctx, name, x, () => b.add(x, y));
        return y;
      });
      return { x: parts.norm('norm_mixer', outs.reduce((acc, y) => b.add(acc, y), x)), prev: x };
    }
    const branch = (name: string, f: (u: Tensor) => Tensor) => {
      const raw = f(parts.norm(`norm_${name}`, x));
      const out = parts.placement === 'peri' ? parts.norm(`norm_${name}_out`, raw) : raw;
      similarityProbe(ctx, name, x, () => b.add(x, out)); // cos(x, x + branch): that module's own effect on x
      return out;
    };
    return { x: modules.reduce((acc, [name, f]) => b.add(acc, branch(name, f)), x), prev: x };
  },
});
