/**
 * A plain float64 forward pass of the default model family, written from the math of the papers
 * (GPT-2-style pre-LN transformer, post-LN and peri-LN placements) and sharing no code with the
 * emitters. Weights are read by name from the compiled graph's initialisers: data, not code.
 */
import type { Spec } from '../../src/spec/types';

export type Weights = (name: string) => Float64Array;

/** Row-major matrix. */
interface Mat {
  rows: number;
  cols: number;
  v: Float64Array;
}

const mat = (rows: number, cols: number, v = new Float64Array(rows * cols)): Mat => ({ rows, cols, v });

function matmulBias(x: Mat, w: Float64Array, b: Float64Array, outCols: number): Mat {
  const y = mat(x.rows, outCols);
  for (let i = 0; i < x.rows; i++)
    for (let j = 0; j < outCols; j++) {
      let s = b[j]!;
      for (let k = 0; k < x.cols; k++) s += x.v[i * x.cols + k]! * w[k * outCols + j]!;
      y.v[i * outCols + j] = s;
    }
  return y;
}

function layerNorm(x: Mat, gamma: Float64Array, beta: Float64Array, eps: number): Mat {
  const y = mat(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) {
    let mean = 0;
    for (let k = 0; k < x.cols; k++) mean += x.v[i * x.cols + k]!;
    mean /= x.cols;
    let variance = 0;
    for (let k = 0; k < x.cols; k++) variance += (x.v[i * x.cols + k]! - mean) ** 2;
    variance /= x.cols;
    const inv = 1 / Math.sqrt(variance + eps);
    for (let k = 0; k < x.cols; k++) y.v[i * x.cols + k] = (x.v[i * x.cols + k]! - mean) * inv * gamma[k]! + beta[k]!;
  }
  return y;
}

/** RMSNorm: x / sqrt(mean(x²) + ε) · γ per row (Zhang & Sennrich, 2019). */
function rmsNorm(x: Mat, gamma: Float64Array, eps: number): Mat {
  const y = mat(x.rows, x.cols);
  for (let i = 0; i < x.rows; i++) {
    let ms = 0;
    for (let k = 0; k < x.cols; k++) ms += x.v[i * x.cols + k]! ** 2;
    const inv = 1 / Math.sqrt(ms / x.cols + eps);
    for (let k = 0; k < x.cols; k++) y.v[i * x.cols + k] = x.v[i * x.cols + k]! * inv * gamma[k]!;
  }
  return y;
}

/** The norm of a layer, by kind, with weights named `prefix.gamma` (and `prefix.beta`). */
function normalise(kind: string, eps: number, w: Weights, prefix: string, u: Mat): Mat {
  if (kind === 'layer_norm') return layerNorm(u, w(`${prefix}.gamma`), w(`${prefix}.beta`), eps);
  if (kind === 'rms_norm') return rmsNorm(u, w(`${prefix}.gamma`), eps);
  throw new Error(`reference: no norm ${kind}`);
}

/** erf by Abramowitz–Stegun 7.1.26 is too coarse for 1e-4 checks; use a series / continued fraction. */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    // Maclaurin series: erf x = 2/√π Σ (−1)ⁿ x^(2n+1) / (n! (2n+1))
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
  // erfc continued fraction for large |x|
  let f = 0;
  for (let n = 60; n >= 1; n--) f = n / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

const gelu = (x: number): number => 0.5 * x * (1 + erf(x / Math.SQRT2));

const add = (a: Mat, b: Mat): Mat => mat(a.rows, a.cols, a.v.map((x, i) => x + b.v[i]!));

function rmsRows(x: Mat): number[] {
  return Array.from({ length: x.rows }, (_, i) => {
    let s = 0;
    for (let k = 0; k < x.cols; k++) s += x.v[i * x.cols + k]! ** 2;
    return Math.sqrt(s / x.cols);
  });
}

export interface ReferenceOutputs {
  logits: Float64Array; // [T, V]
  probs: Float64Array[]; // per layer [H, T, T]
  entropy: Float64Array[]; // per layer [H, T]
  residRms: Float64Array; // [L + 1, T]
}

/** Forward pass of `spec` on `tokens` with weights `w`. */
export function referenceForward(spec: Spec, w: Weights, tokens: number[], vocabSize: number): ReferenceOutputs {
  const T = tokens.length;
  const d = spec.dModel;
  const H = spec.nHeads;
  const hd = d / H;
  const wte = w('embed.tokens');
  const pos = w('position.table');
  let x = mat(T, d);
  for (let t = 0; t < T; t++) for (let k = 0; k < d; k++) x.v[t * d + k] = wte[tokens[t]! * d + k]! + pos[t * d + k]!;
  const rmsAll: number[][] = [rmsRows(x)];
  const probsAll: Float64Array[] = [];
  const entAll: Float64Array[] = [];

  spec.layers.forEach((layer, li) => {
    const p = `layers.${li}`;
    const eps = layer.norm.params['epsilon'] as number;
    const ln = (name: string, u: Mat) => normalise(layer.norm.kind, eps, w, `${p}.${name}`, u);
    const causal = layer.mixer.params['causal'] !== false;

    const attention = (u: Mat): Mat => {
      const q = matmulBias(u, w(`${p}.mixer.wq`), w(`${p}.mixer.bq`), d);
      const k = matmulBias(u, w(`${p}.mixer.wk`), w(`${p}.mixer.bk`), d);
      const v = matmulBias(u, w(`${p}.mixer.wv`), w(`${p}.mixer.bv`), d);
      const probs = new Float64Array(H * T * T);
      const ent = new Float64Array(H * T);
      const mixed = mat(T, d);
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++) {
          const visible = causal ? i + 1 : T;
          const s = new Float64Array(visible);
          for (let j = 0; j < visible; j++) {
            let dot = 0;
            for (let c = 0; c < hd; c++) dot += q.v[i * d + h * hd + c]! * k.v[j * d + h * hd + c]!;
            s[j] = dot / Math.sqrt(hd);
          }
          const m = Math.max(...s);
          let z = 0;
          for (let j = 0; j < visible; j++) z += Math.exp(s[j]! - m);
          let e = 0;
          for (let j = 0; j < visible; j++) {
            const a = Math.exp(s[j]! - m) / z;
            probs[(h * T + i) * T + j] = a;
            if (a > 0) e -= a * Math.log(a);
            for (let c = 0; c < hd; c++) mixed.v[i * d + h * hd + c]! += a * v.v[j * d + h * hd + c]!;
          }
          ent[h * T + i] = e;
        }
      probsAll.push(probs);
      entAll.push(ent);
      return matmulBias(mixed, w(`${p}.mixer.wo`), w(`${p}.mixer.bo`), d);
    };

    const mlp = (u: Mat): Mat => {
      const hidden = d * (layer.ffn.params['expansion'] as number);
      const h1 = matmulBias(u, w(`${p}.ffn.w1`), w(`${p}.ffn.b1`), hidden);
      h1.v = h1.v.map(gelu);
      return matmulBias(h1, w(`${p}.ffn.w2`), w(`${p}.ffn.b2`), d);
    };

    const sub = (name: string, u: Mat, f: (t: Mat) => Mat): Mat => {
      if (layer.placement === 'pre') return add(u, f(ln(`norm_${name}`, u)));
      if (layer.placement === 'post') return ln(`norm_${name}`, add(u, f(u)));
      return add(u, ln(`norm_${name}_out`, f(ln(`norm_${name}`, u))));
    };
    x = sub('mixer', x, attention);
    x = sub('ffn', x, mlp);
    rmsAll.push(rmsRows(x));
  });

  const last = spec.layers[spec.layers.length - 1]!;
  if (last.placement !== 'post') x = normalise(last.norm.kind, last.norm.params['epsilon'] as number, w, 'final_norm', x);
  const logits = new Float64Array(T * vocabSize);
  for (let t = 0; t < T; t++)
    for (let u = 0; u < vocabSize; u++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += x.v[t * d + k]! * wte[u * d + k]!;
      logits[t * vocabSize + u] = s;
    }
  return { logits, probs: probsAll, entropy: entAll, residRms: Float64Array.from(rmsAll.flat()) };
}
