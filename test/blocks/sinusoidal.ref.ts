/**
 * Reference: sinusoidal positions (Vaswani et al., 2017, section 3.5), added to the embeddings:
 * PE(t, 2i) = sin(t / 10000^(2i/d)), PE(t, 2i + 1) = cos(t / 10000^(2i/d)).
 */
import type { RefContext, References } from '../reference/context';
import { map, type Mat } from '../reference/math';

/** PE(t, c) for column c of a d-wide model. */
export function sinusoid(t: number, c: number, d: number): number {
  const i = c >> 1; // c = 2i or 2i + 1
  const angle = t / Math.pow(10000, (2 * i) / d);
  return c % 2 === 0 ? Math.sin(angle) : Math.cos(angle);
}

export const sinusoidal = {
  embed(ctx: RefContext, x: Mat): Mat {
    return map(x, (v, k) => v + sinusoid(Math.floor(k / ctx.dModel), k % ctx.dModel, ctx.dModel));
  },
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { sinusoidal } };
