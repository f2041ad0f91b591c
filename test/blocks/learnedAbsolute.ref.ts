/** Reference: learned absolute positions, one vector per position added to the embedding. */
import type { RefContext, References } from '../reference/context';
import { map, type Mat } from '../reference/math';

export const learnedAbsolute = {
  embed(ctx: RefContext, x: Mat): Mat {
    const table = ctx.weight('table');
    return map(x, (v, i) => v + table[i]!); // row t of x gets row t of the table
  },
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { learned_absolute: learnedAbsolute } };
