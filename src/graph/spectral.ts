/**
 * The spectral norm ‖W‖₂ (largest singular value) of a weight, for σReparam. Power iteration on
 * WᵀW in float64 from a fixed start, run until the estimate stops changing: deterministic, and
 * exact to double precision for the weights the compiler makes.
 */

/** Largest singular value of the row-major [rows, cols] matrix `w`. */
export function spectralNorm(w: ArrayLike<number>, rows: number, cols: number): number {
  return topSingular(w, rows, cols).sigma;
}

/**
 * The top left singular vector u (length rows) of `w`, as float32: the converged start of
 * σReparam's persistent power iteration in training graphs.
 */
export function leftSingularVector(w: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const { v } = topSingular(w, rows, cols);
  const u = new Float64Array(rows);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) u[r]! += w[r * cols + c]! * v[c]!;
  const norm = Math.hypot(...u) || 1;
  return Float32Array.from(u, (x) => x / norm);
}

function topSingular(w: ArrayLike<number>, rows: number, cols: number): { sigma: number; v: Float64Array } {
  let v = Float64Array.from({ length: cols }, (_, i) => 1 + i / cols);
  let sigma = 0;
  const u = new Float64Array(rows);
  for (let it = 0; it < 10_000; it++) {
    for (let r = 0; r < rows; r++) {
      let s = 0;
      for (let c = 0; c < cols; c++) s += w[r * cols + c]! * v[c]!;
      u[r] = s;
    }
    const next = new Float64Array(cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) next[c]! += w[r * cols + c]! * u[r]!;
    const norm = Math.hypot(...next);
    if (norm === 0) return { sigma: 0, v };
    const estimate = Math.sqrt(norm / Math.hypot(...v)); // ‖WᵀW v‖ / ‖v‖ → σ²
    v = next.map((x) => x / norm);
    if (Math.abs(estimate - sigma) <= 1e-13 * estimate) return { sigma: estimate, v };
    sigma = estimate;
  }
  return { sigma, v };
}
