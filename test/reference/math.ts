/**
 * Float64 building blocks for the reference forward passes: row-major matrices and the handful
 * of functions the papers' formulas use. Written from the math; shares nothing with src/.
 */

/** Row-major matrix. */
export interface Mat {
  rows: number;
  cols: number;
  v: Float64Array;
}

export const mat = (rows: number, cols: number, v = new Float64Array(rows * cols)): Mat => ({ rows, cols, v });

export const at = (m: Mat, i: number, j: number): number => m.v[i * m.cols + j]!;

/** y = x W + b with W [x.cols, outCols] row-major and b [outCols] (or none). */
export function affine(x: Mat, w: Float64Array, b: Float64Array | null, outCols: number): Mat {
  const y = mat(x.rows, outCols);
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < outCols; j++) {
      let s = b ? b[j]! : 0;
      for (let k = 0; k < x.cols; k++) s += x.v[i * x.cols + k]! * w[k * outCols + j]!;
      y.v[i * outCols + j] = s;
    }
  return y;
}

export const map = (a: Mat, f: (x: number, i: number) => number): Mat => mat(a.rows, a.cols, a.v.map(f));
export const add = (a: Mat, b: Mat): Mat => map(a, (x, i) => x + b.v[i]!);
export const mul = (a: Mat, b: Mat): Mat => map(a, (x, i) => x * b.v[i]!);

/** Columns [from, from + n) of m. */
export function columns(m: Mat, from: number, n: number): Mat {
  const out = mat(m.rows, n);
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < n; j++) out.v[i * n + j] = at(m, i, from + j);
  return out;
}

/** Writes `part` into columns [from, from + part.cols) of m. */
export function setColumns(m: Mat, from: number, part: Mat): void {
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < part.cols; j++) m.v[i * m.cols + from + j] = at(part, i, j);
}

/** erf to ~1e-16: Maclaurin series for |x| < 3, the erfc continued fraction beyond. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f));
}

/** Softmax of a list of logits, where −Infinity means "not visible" (weight exactly 0). */
export function softmax(s: number[]): number[] {
  const m = Math.max(...s.filter((x) => x !== -Infinity));
  const e = s.map((x) => (x === -Infinity ? 0 : Math.exp(x - m)));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Map row i of head h: probs[h, i, :] = row and out_i += Σ_j row_j v_j (probs [H, T, T], T = v.rows). */
export function mixRow(probs: Float64Array, h: number, i: number, row: ArrayLike<number>, v: Mat, out: Mat): void {
  const T = v.rows;
  const hd = v.cols;
  for (let j = 0; j < T; j++) {
    const wt = row[j]!;
    probs[(h * T + i) * T + j] = wt;
    for (let c = 0; c < hd; c++) out.v[i * hd + c]! += wt * v.v[j * hd + c]!;
  }
}

/** Entropy in nats of a map row read as a distribution |a| / Σ|a|, with 0 · log 0 = 0. */
export const entropy = (row: number[]): number => {
  const total = row.reduce((s, x) => s + Math.abs(x), 0);
  if (total === 0) return 0;
  return -row.reduce((s, x) => {
    const p = Math.abs(x) / total;
    return p > 0 ? s + p * Math.log(p) : s;
  }, 0);
};

/**
 * The values spectralNorm computed, by the matrix's shape and exact contents. A pure function of
 * them, so a remembered value is the one it would compute again: a gradient check's float64 loss
 * (test/train/gradcheck.ts) runs the forward pass for every batch row and twice per perturbation,
 * and each time every linear of a σReparam model asks again for the norm of weights that did not
 * change. Up to 20,000 power iterations each made that one preset's check take 40 s of CPU.
 */
const spectralNorms = new Map<string, number>();

/** Largest singular value of row-major [rows, cols] w: power iteration on W Wᵀ from a random start. */
export function spectralNorm(w: Float64Array, rows: number, cols: number): number {
  const key = `${rows}x${cols}:${Buffer.from(w.buffer, w.byteOffset, w.byteLength).toString('base64')}`;
  let sigma = spectralNorms.get(key);
  if (sigma === undefined) {
    if (spectralNorms.size >= 4096) spectralNorms.clear();
    spectralNorms.set(key, (sigma = powerIteration(w, rows, cols)));
  }
  return sigma;
}

function powerIteration(w: Float64Array, rows: number, cols: number): number {
  let u = Float64Array.from({ length: rows }, (_, i) => Math.sin(i + 1));
  let sigma2 = 0;
  for (let it = 0; it < 20_000; it++) {
    const wt = new Float64Array(cols); // Wᵀ u
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) wt[c]! += w[r * cols + c]! * u[r]!;
    const next = new Float64Array(rows); // W Wᵀ u
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) next[r]! += w[r * cols + c]! * wt[c]!;
    const n = Math.sqrt(next.reduce((a, b) => a + b * b, 0));
    const estimate = n / Math.sqrt(u.reduce((a, b) => a + b * b, 0));
    u = next.map((v) => v / n);
    if (Math.abs(estimate - sigma2) < 1e-15 * estimate) break;
    sigma2 = estimate;
  }
  return Math.sqrt(sigma2);
}
