/**
 * Reference: RoPE (Su et al., 2021, eq. 15). The first d_rot dimensions of a head form the pairs
 * (x_{2i}, x_{2i+1}); the pair at position t is multiplied by the 2 × 2 rotation matrix
 * [[cos a, −sin a], [sin a, cos a]] with a = t · base^(−2i/d_rot). Other dimensions are unchanged.
 * d_rot = 2 · min(⌊hd/2⌋, round(fraction · hd / 2)).
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

/** Rotates row t of one head's [T, hd] queries or keys as position t. */
export function ropeRotate(m: Mat, base: number, fraction: number): Mat {
  const hd = m.cols;
  const pairs = Math.min(Math.floor(hd / 2), Math.round((fraction * hd) / 2));
  const out = mat(m.rows, hd, Float64Array.from(m.v));
  for (let t = 0; t < m.rows; t++)
    for (let i = 0; i < pairs; i++) {
      const a = t * Math.pow(base, (-2 * i) / (2 * pairs));
      const x = m.v[t * hd + 2 * i]!;
      const y = m.v[t * hd + 2 * i + 1]!;
      out.v[t * hd + 2 * i] = Math.cos(a) * x - Math.sin(a) * y;
      out.v[t * hd + 2 * i + 1] = Math.sin(a) * x + Math.cos(a) * y;
    }
  return out;
}

export const rope = {
  rotate(_ctx: RefContext, m: Mat, p: Record<string, unknown>): Mat {
    return ropeRotate(m, p['base'] as number, p['fraction'] as number);
  },
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { rope } };
