/**
 * Reference: RoPE (Su et al., 2021, eq. 15). The first d_rot dimensions of a head form the pairs
 * (x_{2i}, x_{2i+1}); the pair at position t is multiplied by the 2 × 2 rotation matrix
 * [[cos a, −sin a], [sin a, cos a]] with a = t · θ_i, θ_i = base^(−2i/d_rot). Other dimensions are
 * unchanged. d_rot = 2 · min(⌊hd/2⌋, round(fraction · hd / 2)).
 *
 * Scalings, from their papers and the CLEX authors' code:
 *   pi:   a = (t / s) · θ_i                                  (Chen et al., 2023)
 *   ntk:  θ_i = (base · s^(d/(d−2)))^(−2i/d)                  (NTK-aware, bloc97 2023)
 *   clex: θ_i = exp(z_i(t)), z(1) = log θ, dz/dτ = tanh((z + log θ^ntk(τ)) W_up) W_down + d/dτ log θ^ntk(τ)
 *         with θ^ntk(τ) the NTK frequencies for α = 2τ − 1, solved with torchdiffeq's rk4 (3/8 rule),
 *         step 1/clexSteps, from τ = 1 to t = min(factor, ⌈T / trainedLength⌉).
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

/** Rotates row t of one head's [T, hd] queries or keys as position t, pair i by angle(t, i). */
export function rotateBy(m: Mat, pairs: number, angle: (t: number, i: number) => number): Mat {
  const hd = m.cols;
  const out = mat(m.rows, hd, Float64Array.from(m.v));
  for (let t = 0; t < m.rows; t++)
    for (let i = 0; i < pairs; i++) {
      const a = angle(t, i);
      const x = m.v[t * hd + 2 * i]!;
      const y = m.v[t * hd + 2 * i + 1]!;
      out.v[t * hd + 2 * i] = Math.cos(a) * x - Math.sin(a) * y;
      out.v[t * hd + 2 * i + 1] = Math.sin(a) * x + Math.cos(a) * y;
    }
  return out;
}

const pairsOf = (hd: number, fraction: number) => Math.min(Math.floor(hd / 2), Math.round((fraction * hd) / 2));

/** Plain RoPE of one head's [T, hd] rows. */
export function ropeRotate(m: Mat, base: number, fraction: number): Mat {
  const pairs = pairsOf(m.cols, fraction);
  return rotateBy(m, pairs, (t, i) => t * Math.pow(base, (-2 * i) / (2 * pairs)));
}

/** CLEX's log-frequencies z(t), in float64, from the ODE's weights W_up [P, width] and W_down [width, P]. */
export function clexLogFrequencies(P: number, base: number, up: Float64Array, down: Float64Array, t: number, stepsPerUnit: number): number[] {
  const d = 2 * P;
  const width = up.length / P;
  const alpha = (tau: number) => (tau < 1 ? 1 : 2 * tau - 1);
  // θ^ntk_i(τ) = (base · α^(d/(d−2)))^(−2i/d); its log and the log's τ-derivative (dα/dτ = 2).
  const logNtk = (tau: number, i: number) => -((2 * i) / d) * Math.log(base * Math.pow(alpha(tau), d / (d - 2)));
  const dLogNtk = (tau: number, i: number) => (tau < 1 ? 0 : -((2 * i) / (d - 2)) * (2 / alpha(tau)));
  const f = (tau: number, z: number[]): number[] => {
    const hidden = Array.from({ length: width }, (_, j) => {
      let s = 0;
      for (let i = 0; i < P; i++) s += (z[i]! + logNtk(tau, i)) * up[i * width + j]!;
      return Math.tanh(s);
    });
    return Array.from({ length: P }, (_, i) => {
      let s = 0;
      for (let j = 0; j < width; j++) s += hidden[j]! * down[j * P + i]!;
      return s + dLogNtk(tau, i);
    });
  };
  const h = 1 / stepsPerUnit;
  let z = Array.from({ length: P }, (_, i) => ((-2 * i) / d) * Math.log(base));
  const lin = (a: number[], ...terms: [number, number[]][]) => a.map((v, i) => terms.reduce((s, [c, k]) => s + c * k[i]!, v));
  for (let n = 0; n < Math.round((t - 1) * stepsPerUnit); n++) {
    const tau = 1 + n * h;
    const k1 = f(tau, z);
    const k2 = f(tau + h / 3, lin(z, [h / 3, k1]));
    const k3 = f(tau + (2 * h) / 3, lin(z, [h, k2], [-h / 3, k1]));
    const k4 = f(tau + h, lin(z, [h, k1], [-h, k2], [h, k3]));
    z = lin(z, [h / 8, k1], [(3 * h) / 8, k2], [(3 * h) / 8, k3], [h / 8, k4]);
  }
  return z;
}

export const rope = {
  rotate(ctx: RefContext, m: Mat, p: P): Mat {
    const base = p['base'] as number;
    const pairs = pairsOf(m.cols, p['fraction'] as number);
    const s = p['factor'] as number;
    const theta = (b: number) => (i: number) => Math.pow(b, (-2 * i) / (2 * pairs));
    switch (p['scaling'] ?? 'none') {
      case 'pi':
        return rotateBy(m, pairs, (t, i) => (t / s) * theta(base)(i));
      case 'ntk':
        return rotateBy(m, pairs, (t, i) => t * theta(base * Math.pow(s, (2 * pairs) / (2 * pairs - 2)))(i));
      case 'clex': {
        const scale = Math.max(1, Math.min(s, Math.ceil(ctx.T / (p['trainedLength'] as number))));
        if (scale === 1) return rotateBy(m, pairs, (t, i) => t * theta(base)(i));
        const z = clexLogFrequencies(pairs, base, ctx.weight('clex_up'), ctx.weight('clex_down'), scale, p['clexSteps'] as number);
        return rotateBy(m, pairs, (t, i) => t * Math.exp(z[i]!));
      }
      default:
        return rotateBy(m, pairs, (t, i) => t * theta(base)(i));
    }
  },
};

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { position: { rope } };
