/**
 * Spectral mixer: tokens mixed in a cosine (DCT-II) basis with one learned weight per head and
 * frequency band. Papers: "Dynamic Spectrum Mixer for Visual Recognition" (Hu & Yu, 2023), with
 * "Scattering Vision Transformer: Spectral Mixing Matters" (Patro & Agneeswaran, NeurIPS 2023).
 *
 * Per head h (its headDim channels of x, every channel alike):
 *   y = Bᵀ diag(λ_h) B x,   B_fj = c_f cos(π f (2j + 1) / 2T),  c_0 = √(1/T), c_f = √(2/T) (f ≥ 1)
 *   λ_h,f = w_h,band(f),    band(f) = ⌊f · bands / T⌋   (`bands` contiguous bands share a weight)
 * B is the orthonormal DCT-II along tokens (BᵀB = I), so y is: transform, scale every frequency
 * by its band's weight, transform back. The weights w [H, bands] are the block's only parameters.
 * NOT CAUSAL: every output token depends on every input token, the later ones included (a global,
 * bidirectional filter); in a decoder the logits at t see tokens after t.
 *
 * Implicit map per head (exact, y = A·x_head): A_h = Bᵀ diag(λ_h) B [T, T], symmetric, with
 * eigenvectors the DCT basis and eigenvalues the band weights. Expanding the product of cosines,
 *   A_jk = g_h(j − k) + g_h(j + k + 1),   g_h(n) = ½ Σ_f λ_h,f c_f² cos(π f n / T)
 * (Toeplitz plus Hankel; g_h is even with period 2T). Inspect mode builds A from this identity by
 * two Gathers from the T + 1 values g_h(0..T) (g_h = w_h · G with G [bands, T + 1] a float64
 * constant, the band sums in closed form), then y = A x.
 *
 * Fast path, O(T log T) per channel, exact in exact arithmetic (no T × T tensor, no T × T
 * constant). With x̃ = [x_0 … x_{T−1}, x_{T−1} … x_0] (the symmetric extension, length 2T) and the
 * periodicity of g, y_j = Σ_{m<2T} g(j − m) x̃_m: a convolution with the lags −(2T − 1) … T − 1.
 * It is computed as a circular convolution of length N ≥ 3T − 1 (so those lags do not wrap onto
 * each other; N = m · 16^k with m ≤ 32, the smallest such) by the convolution theorem,
 * y = IDFT(DFT(h) ⊙ DFT(x̃)), where the DFTs are FFTs written with the ops we have (there is no DFT
 * op): a recursive four-step (Cooley–Tukey) FFT whose steps are a radix-16 DFT as one real MatMul
 * with the block matrix [[Re F, −Im F], [Im F, Re F]], a twiddle multiply and a Transpose, down to
 * one dense DFT of size m. Complex numbers are real tensors [2, N, R] (real parts, then imaginary
 * parts). Two real channels of a head ride in one complex row (x_a + i x_b), since a real kernel
 * convolves both parts separately; the 1/N of the inverse DFT is folded into the kernel table.
 * Cost: 2 FFTs over d/2 complex rows and one over H rows, about 4 · 16 · N · log16 N multiply-adds
 * per row each, N ≈ 3T, against 2 T² per channel for the dense product (at d = 64 and T = 8192:
 * 0.76 GFLOP against 17). Float32 rounding: the fast logits agree with inspect mode's to about
 * 2e-5 (measured up to T = 2048).
 *
 * Sources checked: the DSM abstract (arXiv 2309.06721): the DCT represents token interactions in
 * the frequency domain "with log-linear complexity"; a dynamic spectrum weight generation layer
 * selects frequency bands, emphasising informative ones. SVT (arXiv 2311.01310): a spectral token
 * mixer with learned weights on the low- and high-frequency parts of a (wavelet) transform. The
 * DCT-II normalisation, the product-to-sum expansion above and the symmetric-extension
 * convolution are standard DCT identities, checked numerically against the dense product in
 * test/blocks/spectral.test.ts and the float64 reference (test/blocks/spectral.ref.ts).
 *
 * Decisions:
 * - Static band weights, one learned weight per head and band. DSM's dynamic (content-dependent)
 *   weights would keep the map exact but are left out. The DCT runs along the 1-D token axis
 *   instead of the 2-D patch grid. No projections: the map acts on x directly.
 * - A full-spectrum filter, not a low-rank one (keeping only the lowest `bands` cosines would be
 *   O(T · bands) but throws away every high frequency, which DSM is built to keep).
 * - Fast path: exact and sub-quadratic with MatMul, Reshape, Transpose, Slice, Concat, Gather, Mul,
 *   Neg and Add only. It is O(T log T), NOT linear in T: we know of no exact linear-time form for
 *   a general band filter. Band b's kernel is the Dirichlet-type ratio
 *   g_b(n) = (sin((e_b + ½)πn/T) − sin((a_b − ½)πn/T)) / (2T sin(πn/2T)) for frequencies a_b … e_b
 *   (less 1/2T in the band holding f = 0), and the 1 / sin(πn/2T) factor couples every pair of
 *   tokens: it is neither a short recurrence nor a sum of a few separable terms, so a chunked scan
 *   like the recurrent mixers' does not apply, and without a DFT or convolution op the
 *   convolution needs the FFT built above.
 * - Initialisation: w ~ N(0, 1), so each head starts as a random symmetric filter.
 * - Position blocks that act inside attention (RoPE, ALiBi, T5) do not apply to this mixer.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { mergeHeads, splitHeads } from './nn';

/** Band of DCT frequency f (0 ≤ f < T): ⌊f · bands / T⌋. */
export const bandOf = (f: number, T: number, bands: number): number => Math.floor((f * bands) / T);

/** Largest DFT done as one dense MatMul; longer ones take radix-16 steps down to it. */
const DENSE_MAX = 32;
const RADIX = 16;

/**
 * Length N of the circular convolution: the smallest m · 16^k ≥ 3T − 1 with m ≤ 32 (so the FFT is
 * k radix-16 steps and one dense DFT of size m). Within 1/16 of 3T − 1 once T ≥ 11.
 */
export function convLength(T: number): number {
  return fftLength(3 * T - 1);
}

/** The smallest m · 16^k ≥ target with m ≤ 32: a length `fft` takes (also used by kernelRpe.ts). */
export function fftLength(minimum: number): number {
  const target = Math.max(2, minimum);
  let best = Infinity;
  for (let p = 1; p <= target * RADIX; p *= RADIX) {
    const m = Math.ceil(target / p);
    if (m <= DENSE_MAX) best = Math.min(best, m * p);
  }
  return best;
}

/**
 * g_b(n) = ½ Σ_{f in band b} c_f² cos(π f n / T) for n = 0 … T, in float64: [bands][T + 1].
 * Each band's cosine sum in closed form, Σ_{f=a..e} cos(f α) = (sin((e + ½)α) − sin((a − ½)α)) / (2 sin(α/2)),
 * so the table costs O(bands · T), not O(T²); f = 0 has c_0² = 1/T, the others 2/T.
 */
export function bandKernels(T: number, bands: number): number[][] {
  const out: number[][] = [];
  for (let band = 0; band < bands; band++) {
    const row = new Array<number>(T + 1).fill(0);
    let first = -1;
    let last = -2;
    for (let f = 0; f < T; f++)
      if (bandOf(f, T, bands) === band) {
        if (first < 0) first = f;
        last = f;
      }
    if (first >= 0) {
      for (let n = 0; n <= T; n++) {
        const alpha = (Math.PI * n) / T;
        const sum = n === 0 ? last - first + 1 : (Math.sin((last + 0.5) * alpha) - Math.sin((first - 0.5) * alpha)) / (2 * Math.sin(alpha / 2));
        row[n] = sum / T - (first === 0 ? 1 / (2 * T) : 0); // ½ · (2/T) Σ cos, minus the half of f = 0's excess
      }
    }
    out.push(row);
  }
  return out;
}

/** g_h = w_h · G for every head: [H, T + 2], column T + 1 holding 0 (for positions with no lag). */
function headKernels(ctx: BlockContext, w: Tensor, bands: number, scale: number): Tensor {
  const { b, T } = ctx;
  const G = bandKernels(T, bands).flatMap((row) => [...row.map((v) => v * scale), 0]);
  return b.matmul(w, b.constant('band_kernels', 'float32', [bands, T + 2], G)); // [H, T + 2]
}

export default defineBlock({
  kind: 'spectral',
  slot: 'mixer',
  title: 'Spectral mixer (DCT bands)',
  paper: 'Dynamic Spectrum Mixer for Visual Recognition',
  explanation:
    'Mixes tokens through their frequencies instead of through attention: each head writes the ' +
    'sequence as a sum of cosine waves along the tokens (a discrete cosine transform), turns every ' +
    'frequency up or down by a learned weight (neighbouring frequencies share one weight, in bands), ' +
    'and adds the waves back up. Smooth, slowly varying patterns live in the low frequencies and ' +
    'sharp token-to-token changes in the high ones. The map is symmetric and the same for every ' +
    'input. It is not causal: every token sees the whole sequence, the future included.',
  map: 'implicit',
  letter: 'S',
  doc: `
**Paper:** "Dynamic Spectrum Mixer for Visual Recognition" (Hu & Yu, 2023), with "Scattering
Vision Transformer: Spectral Mixing Matters" (Patro & Agneeswaran, NeurIPS 2023). Checked against
the papers' abstracts (DSM: tokens mixed through the DCT, with log-linear cost, and weights that
select frequency bands); the DCT identities used are checked numerically in the tests.
**Math:** per head h, on the head's channels of x: y = Bᵀ diag(λ_h) B x, where B is the
orthonormal DCT-II along the tokens, B_fj = c_f cos(π f (2j + 1) / 2T) (c_0 = √(1/T),
c_f = √(2/T)), and λ_h,f = w_h,⌊f·bands/T⌋: neighbouring frequencies share one learned weight per
head, in \`bands\` bands. The only weights are w [heads, bands]; there are no projections.
The map is A_h = Bᵀ diag(λ_h) B: symmetric, and the same for every input. Each row says how much
of every other token a token takes after the sequence has been split into cosine waves, each wave
turned up or down by its band's weight, and the waves added back; the DCT turns A back into the
diagonal of band weights (B A Bᵀ = diag(λ_h)).
It is not causal: every token, the first included, sees the whole sequence, later tokens too.
Left out from DSM: its dynamic (content-dependent) weight generation; the transform is 1-D over
tokens instead of 2-D over image patches.
**Fast path (no T × T matrix; O(T log T), not linear in T):** A = Toeplitz + Hankel with the kernel
g_h(n) = ½ Σ_f λ_h,f c_f² cos(π f n / T), so y is a convolution of the mirrored sequence
[x, reversed x] with g_h; it is computed with an FFT built from MatMul (radix-16 DFT steps as real
block matrices), twiddle multiplies and Transposes, over a length N ≥ 3T − 1 (m · 16^k). There is no
DFT or convolution op to use, and we know of no exact linear-time form for a band filter, so this
mixer's latency grows like T log T (about 0.76 GFLOP at T = 8192, d = 64, against 17 for the dense
product). Inspect mode builds A from the same kernel with two Gathers (A_jk = g(|j − k|) +
g(j + k + 1), folded into 0 … T).
ONNX ops: MatMul, Gather, Reshape, Transpose, Slice, Concat, Mul, Neg, Add (fast); MatMul, Gather,
Cast, Abs, Add, Sub, Reshape, Transpose (inspect).

**Decoding:** none: the mixer is not causal.
`,
  params: z.object({
    bands: z.number().int().min(4).max(64).describe('frequency bands sharing one learned weight per head').default(16),
  }),
  decode: { none: 'it is not causal: every output mixes the whole sequence through its Fourier transform, later tokens included' },
  emit(ctx, x, p) {
    const { b, nHeads: H } = ctx;
    const w = ctx.weight('band_weights', [H, p.bands], { kind: 'normal', std: 1 }); // w_h,b
    if (ctx.mode === 'inspect') {
      const probs = spectralMap(ctx, headKernels(ctx, w, p.bands, 1)); // [1, H, T, T], one map for every sequence
      return { y: mergeHeads(ctx, b.matmul(probs, splitHeads(ctx, x))), probs };
    }
    return { y: spectralFast(ctx, x, w, p.bands) };
  },
});

/** A_h[j, k] = g_h(|j − k|) + g_h(T − |T − (j + k + 1)|) → [1, H, T, T] (two Gathers, no T × T constant). */
function spectralMap(ctx: BlockContext, g: Tensor): Tensor {
  const { b, T, nHeads: H } = ctx;
  const idx = Array.from({ length: T }, (_, i) => i);
  const rows = b.constant('row_index', 'float32', [T, 1], idx);
  const cols = b.constant('col_index', 'float32', [1, T], idx);
  const table = b.transpose(g, [1, 0]); // [T + 2, H]
  const diff = b.cast(b.abs(b.sub(rows, cols)), 'int64'); // |j − k| ∈ [0, T − 1]
  const sum = b.add(b.add(rows, cols), b.scalar(1)); // j + k + 1 ∈ [1, 2T − 1]
  const folded = b.cast(b.sub(b.scalar(T), b.abs(b.sub(b.scalar(T), sum))), 'int64'); // g has period 2T and is even
  const A = b.add(b.gather(table, diff), b.gather(table, folded)); // [T, T, H]
  return b.reshape(b.transpose(A, [2, 0, 1]), [1, H, T, T]);
}

// ── the FFT, from MatMul, Transpose and element-wise ops ──────────────────────────────────────────
// A complex tensor is a real one [2, N, R]: real parts, then imaginary parts, N points along axis 1.

/** The DFT of size n, F_kj = e^{sign·2πi·kj/n}, as the real block matrix [[Re F, −Im F], [Im F, Re F]] [2n, 2n]. */
function dftBlock(n: number, sign: number): number[] {
  const v = new Array<number>(4 * n * n);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++) {
      const angle = (sign * 2 * Math.PI * ((k * j) % n)) / n;
      const [c, s] = [Math.cos(angle), Math.sin(angle)];
      v[k * 2 * n + j] = c;
      v[k * 2 * n + n + j] = -s;
      v[(n + k) * 2 * n + j] = s;
      v[(n + k) * 2 * n + n + j] = c;
    }
  return v;
}

/** [im, re] of a complex tensor (split on axis 0). */
function swapParts(ctx: BlockContext, z: Tensor): Tensor {
  const { b } = ctx;
  return b.concat([b.slice(z, [0], [1], [2]), b.slice(z, [0], [0], [1])], 0);
}

/** z ⊙ (wr + i wi) given the stacked factors [wr; wr] and [−wi; wi] (broadcastable to z). */
export function complexMul(ctx: BlockContext, z: Tensor, same: Tensor, cross: Tensor): Tensor {
  const { b } = ctx;
  return b.add(b.mul(z, same), b.mul(swapParts(ctx, z), cross));
}

/**
 * The DFT of every row of z [2, N, R] (N = m · 16^k, m ≤ 32) with kernel e^{sign·2πi·kn/N}: a
 * dense MatMul when N ≤ 32, else the four-step Cooley–Tukey recursion N = 16 · N2. With
 * n = N2·n1 + n2 and k = k1 + 16·k2:
 *   1. a size-16 DFT over n1 (one MatMul of the block matrix with [2·16, N2·R]),
 *   2. twiddles e^{sign·2πi·n2·k1/N},
 *   3. the size-N2 DFT over n2 for every k1 (the recursion, after a Transpose),
 * and the result, laid out [k2, k1], is already in order k = 16·k2 + k1. Also used by kernelRpe.ts.
 */
export function fft(ctx: BlockContext, z: Tensor, sign: 1 | -1): Tensor {
  const { b } = ctx;
  const [, N, R] = z.shape as [number, number, number];
  if (N <= DENSE_MAX) {
    const F = b.constant('dft_block', 'float32', [2 * N, 2 * N], dftBlock(N, sign));
    return b.reshape(b.matmul(F, b.reshape(z, [2 * N, R])), [2, N, R]);
  }
  const [n1, n2] = [RADIX, N / RADIX];
  const F = b.constant('dft_block', 'float32', [2 * n1, 2 * n1], dftBlock(n1, sign));
  const y = b.reshape(b.matmul(F, b.reshape(z, [2 * n1, n2 * R])), [2, n1, n2, R]); // [2, k1, n2, R]
  const re: number[] = [];
  const im: number[] = [];
  for (let k1 = 0; k1 < n1; k1++)
    for (let j = 0; j < n2; j++) {
      const angle = (sign * 2 * Math.PI * k1 * j) / N;
      re.push(Math.cos(angle));
      im.push(Math.sin(angle));
    }
  const same = b.constant('twiddle_same', 'float32', [2, n1, n2, 1], [...re, ...re]);
  const cross = b.constant('twiddle_cross', 'float32', [2, n1, n2, 1], [...im.map((v) => -v), ...im]);
  const twiddled = b.transpose(complexMul(ctx, y, same, cross), [0, 2, 1, 3]); // [2, n2, k1, R]
  return b.reshape(fft(ctx, b.reshape(twiddled, [2, n2, n1 * R]), sign), [2, N, R]); // [2, k2, k1·R] = [2, k, R]
}

/**
 * y = A x for every head without A: the circular convolution of the symmetric extension x̃ with
 * the lag table h_h (h_h[ℓ mod N] = g_h(ℓ) for ℓ = −(2T − 1) … T − 1, else 0), by FFT.
 * The sequences of a batch are more rows of the same FFTs: x [B, T, d] is read as [T, B·d], and
 * the kernel spectra are repeated for each sequence (rows ordered sequence, head, channel).
 */
function spectralFast(ctx: BlockContext, x: Tensor, w: Tensor, bands: number): Tensor {
  const { b, B, T, dModel: d, nHeads: H, headDim: P } = ctx;
  const N = convLength(T);
  const half = Math.ceil(P / 2); // channels per head in the real parts; the rest in the imaginary parts

  // Kernel spectra: h_h laid out on N points, then its DFT. Lags map to |ℓ| folded into [0, T]; T + 1 is the zero column.
  const lag = Array.from({ length: N }, (_, pos) => {
    if (pos <= T - 1) return pos;
    if (pos < N - (2 * T - 1)) return T + 1;
    const a = N - pos; // |ℓ| ∈ [1, 2T − 1]
    return a <= T ? a : 2 * T - a;
  });
  const g = headKernels(ctx, w, bands, 1 / N); // the 1/N of the inverse DFT, folded in
  const h = b.gather(b.transpose(g, [1, 0]), b.constant('lag_index', 'int64', [N], lag)); // [N, H]
  const hz = b.concat([b.reshape(h, [1, N, H]), b.constant('zeros', 'float32', [1, N, H], new Array(N * H).fill(0))], 0); // [2, N, H]
  const spectrum = b.reshape(fft(ctx, hz, -1), [2, N, H, 1]);
  const gr = b.slice(spectrum, [0], [0], [1]);
  const gi = b.slice(spectrum, [0], [1], [2]);
  const perRow = (t: Tensor) => (B === 1 ? t : b.concat(new Array<Tensor>(B).fill(t), 2)); // [2, N, B·H, 1]
  const same = perRow(b.concat([gr, gr], 0)); // [2, N, B·H, 1]
  const cross = perRow(b.concat([b.neg(gi), gi], 0));

  // The signal: x̃ = [x, reversed x] then zeros, by one Gather from x with a zero row appended.
  const R = B * H; // rows of the FFTs: one per sequence and head
  const byTime = B === 1 ? b.reshape(x, [T, d]) : b.reshape(b.transpose(x, [1, 0, 2]), [T, B * d]); // [T, B·d]
  const rows = b.concat([byTime, b.constant('zero_row', 'float32', [1, B * d], new Array(B * d).fill(0))], 0); // [T + 1, B·d]
  const ext = Array.from({ length: N }, (_, pos) => (pos < T ? pos : pos < 2 * T ? 2 * T - 1 - pos : T));
  let xt = b.reshape(b.gather(rows, b.constant('symmetric_extension', 'int64', [N], ext)), [N, R, P]); // [N, B·H, P]
  if (P % 2 === 1) xt = b.concat([xt, b.constant('zero_channel', 'float32', [N, R, 1], new Array(N * R).fill(0))], 2); // [N, B·H, 2·half]
  const part = (from: number) => b.reshape(b.slice(xt, [2], [from], [from + half]), [1, N, R * half]);
  const z = b.concat([part(0), part(half)], 0); // [2, N, B·H·half]: x_a + i·x_b

  const Z = b.reshape(fft(ctx, z, -1), [2, N, R, half]);
  const product = b.reshape(complexMul(ctx, Z, same, cross), [2, N, R * half]);
  const conv = b.slice(fft(ctx, product, 1), [1], [0], [T]); // [2, T, B·H·half], the first T outputs
  const parts = b.reshape(conv, [2, T, R, half]);
  let y = b.concat([b.slice(parts, [0], [0], [1]), b.slice(parts, [0], [1], [2])], 3); // [1, T, B·H, 2·half]
  if (P % 2 === 1) y = b.slice(y, [3], [0], [P]);
  return B === 1 ? b.reshape(y, [1, T, d]) : b.transpose(b.reshape(y, [T, B, d]), [1, 0, 2]); // [B, T, d]
}
