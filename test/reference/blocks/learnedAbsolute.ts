/** Reference: learned absolute positions, one vector per position added to the embedding. */
import type { RefContext } from '../context';
import { map, type Mat } from '../math';

export const learnedAbsolute = {
  embed(ctx: RefContext, x: Mat): Mat {
    const table = ctx.weight('table');
    return map(x, (v, i) => v + table[i]!); // row t of x gets row t of the table
  },
};
