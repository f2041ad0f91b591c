/**
 * Exact cost polynomials: FLOPs of a graph as a function of its length, found from graphs
 * compiled at a few lengths and extrapolated to lengths no graph could be built at (1M tokens).
 *
 * The cost model counts every op exactly (src/graph/cost.ts), and every op's count is a product
 * of the graph's dimensions: a MatMul over [T, d] × [d, T] is 2·T·T·d, a projection 2·T·d·d', an
 * FFT mixer's stages T·log₂T. So the FLOPs of one graph are a polynomial in T with terms taken
 * from a small set:
 *
 *   F(T) = a + b·T + c·T²                 (projections, FFNs, T × T attention)
 *   F(T) = a + b·T + c·T² + e·T·log₂T    (plus FFT mixers' butterflies)
 *
 * The coefficients are solved exactly from as many compiled lengths as the basis has terms, and the
 * fit is accepted only when it reproduces every other compiled length (held out) to 1e-9 of its
 * value: an exact identity on the lengths compiled, not a regression. Lengths are powers of two,
 * so chunked and padded mixers (chunk sizes, FFT padding) sit on the same branch of their counts at
 * every sample; between powers of two such a mixer's true count steps, and the fit interpolates it.
 */

/** One term of a cost polynomial: its name as written, and its value at T. */
export interface Term {
  name: string;
  at: (T: number) => number;
}

/** The terms, by key (a fit names its terms by key, so it crosses from a worker as plain data). */
export const TERMS = {
  one: { name: '1', at: () => 1 },
  T: { name: 'T', at: (T: number) => T },
  T2: { name: 'T²', at: (T: number) => T * T },
  TlogT: { name: 'T·log₂T', at: (T: number) => T * Math.log2(T) },
} as const satisfies Record<string, Term>;
export type TermKey = keyof typeof TERMS;

/** The bases tried, simplest first. */
export const BASES: readonly (readonly TermKey[])[] = [
  ['one', 'T', 'T2'],
  ['one', 'T', 'T2', 'TlogT'],
];

/** A cost polynomial and how it was checked. */
export interface CostFit {
  terms: readonly TermKey[];
  coefficients: number[];
  /** The lengths compiled: those solved on, then those held out. */
  solvedOn: number[];
  heldOut: number[];
  /** Largest |fit − compiled| / compiled over the held-out lengths. */
  heldOutError: number;
  /** heldOutError ≤ EXACT: the fit reproduces every held-out compiled cost. */
  exact: boolean;
}

/** The relative error under which a held-out compiled cost counts as reproduced. */
export const EXACT = 1e-9;

/** The fit's value at T. */
export const evaluate = (fit: Pick<CostFit, 'terms' | 'coefficients'>, T: number): number => fit.terms.reduce((s, t, i) => s + fit.coefficients[i]! * TERMS[t].at(T), 0);

/** The polynomial as text, e.g. "1,024 + 6,144·T + 512·T²" (coefficients rounded to integers where they are). */
export function fitText(fit: Pick<CostFit, 'terms' | 'coefficients'>): string {
  const parts = fit.terms
    .map((key, i) => ({ t: TERMS[key], c: fit.coefficients[i]! }))
    .filter(({ c }) => Math.abs(c) > 1e-6)
    .map(({ t, c }) => {
      const r = Math.abs(c - Math.round(c)) < 1e-6 ? Math.round(c).toLocaleString('en') : c.toPrecision(6);
      return t.name === '1' ? r : `${r}·${t.name}`;
    });
  return parts.length ? parts.join(' + ').replace(/\+ -/g, '− ') : '0';
}

/**
 * Solves A·x = y exactly for a square system (Gaussian elimination with partial pivoting, columns
 * scaled to unit size first so T² and 1 stay comparable). Throws for a singular system.
 */
export function solve(A: number[][], y: number[]): number[] {
  const n = y.length;
  const scale = Array.from({ length: n }, (_, j) => Math.max(...A.map((r) => Math.abs(r[j]!))) || 1);
  const M = A.map((r, i) => [...r.map((v, j) => v / scale[j]!), y[i]!]);
  for (let col = 0; col < n; col++) {
    let p = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[p]![col]!)) p = r;
    if (Math.abs(M[p]![col]!) < 1e-14) throw new Error('cost fit: the lengths do not determine the polynomial');
    [M[col], M[p]] = [M[p]!, M[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[r]![col]! / M[col]![col]!;
      for (let c = col; c <= n; c++) M[r]![c]! -= f * M[col]![c]!;
    }
  }
  return M.map((r, i) => r[n]! / r[i]! / scale[i]!);
}

/**
 * The simplest basis that reproduces the compiled costs exactly. `samples` are (T, cost) pairs at
 * distinct lengths, at least one more than the basis has terms; a basis is solved on its first
 * terms-many samples (the largest lengths, which fix the leading terms best) and checked on the
 * rest. Returns the exact fit, or, when no basis is exact, the one with the smallest held-out error
 * (exact: false; callers must say so).
 */
export function fitCosts(samples: readonly { T: number; cost: number }[]): CostFit {
  const sorted = [...samples].sort((a, b) => b.T - a.T);
  let best: CostFit | null = null;
  for (const terms of BASES) {
    if (sorted.length < terms.length + 1) continue;
    const on = sorted.slice(0, terms.length);
    const out = sorted.slice(terms.length);
    let coefficients: number[];
    try {
      coefficients = solve(on.map((s) => terms.map((t) => TERMS[t].at(s.T))), on.map((s) => s.cost));
    } catch {
      continue;
    }
    const fit = { terms, coefficients };
    const heldOutError = Math.max(...out.map((s) => Math.abs(evaluate(fit, s.T) - s.cost) / Math.max(1, Math.abs(s.cost))));
    const candidate: CostFit = { terms, coefficients, solvedOn: on.map((s) => s.T), heldOut: out.map((s) => s.T), heldOutError, exact: heldOutError <= EXACT };
    if (candidate.exact) return candidate;
    if (!best || heldOutError < best.heldOutError) best = candidate;
  }
  if (!best) throw new Error(`cost fit: ${samples.length} compiled lengths are too few (at least ${BASES[0]!.length + 1} are needed)`);
  return best;
}

/** Powers of two from `lo` up to `hi` (inclusive), the largest `count` of them. */
export function sampleLengths(hi: number, count: number, lo = 4): number[] {
  const out: number[] = [];
  for (let T = 2 ** Math.floor(Math.log2(hi)); T >= lo && out.length < count; T /= 2) out.push(T);
  return out.reverse();
}
