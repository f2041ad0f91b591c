/**
 * Kernelised attention with Toeplitz relative positions: feature-map (kernelised) attention whose
 * weights are multiplied by exp(b_{i−j}), a learned scalar per head and offset, computed with
 * FFTs in O(T log T). Paper: "Stable, Fast and Accurate: Kernelized Attention with Relative
 * Positional Encoding" (Luo, Li, Cai, He, Peng, Zheng, Ke, Wang & Liu, NeurIPS 2021).
 *
 * Softmax attention with a relative bias, y_i = Σ_j exp(q_i·k_j/√d + b_{i−j}) v_j / Σ_j (same),
 * cannot use the linear-attention trick directly, because exp(b_{i−j}) couples i and j. Kernelise
 * the dot-then-exponentiate part, exp(q·k/√d) ≈ φ(q)·φ(k), and it becomes
 *   w_ij = φ(q_i)·φ(k_j) · c_{i−j},  c_ℓ = exp(b_ℓ) > 0,       A_ij = w_ij / Σ_j′ w_ij′,  y = A V
 * over the visible keys (j ≤ i when causal). C_ij = c_{i−j} is a Toeplitz matrix, so
 *   numerator_i   = φ(q_i)ᵀ Σ_j c_{i−j} φ(k_j) v_jᵀ     (m × hd matrices, one per i)
 *   denominator_i = φ(q_i)ᵀ Σ_j c_{i−j} φ(k_j)
 * and both inner sums are Toeplitz products C·U of the sequence U_j = φ(k_j) ⊗ [v_j, 1]
 * (m·(hd + 1) channels per head), which the paper computes by FFT: a Toeplitz product is a
 * linear convolution with the kernel c, done as a circular one of length N ≥ 2T − 1 (so the lags
 * −(T − 1) … T − 1 never wrap onto each other): C·U = IDFT(DFT(c̃) ⊙ DFT(U zero-padded)), c̃ the
 * kernel laid out on N points (c̃[ℓ mod N] = c_ℓ). That is our bidirectional path: O(T log T · m · hd)
 * per head. The FFT is the spectral mixer's (spectral.ts: radix-16 Cooley–Tukey steps as real
 * MatMuls, there being no DFT op); two real channels ride in one complex row, since the kernel is
 * real, and the 1/N of the inverse DFT is folded into c̃.
 * Causal (our departure, for float32): the same single FFT with c̃ zero at negative lags is exact
 * in exact arithmetic, but measured against the float64 map it was off by up to 4e-4 on the logits
 * at T = 37 and 2.5e-3 at T = 256 with random features: every later key's contribution must cancel
 * to zero on earlier rows, leaving rounding the size of the largest keys on rows whose true sums are
 * small. So the causal product is divide and conquer (toeplitzCausal): exact dense lower-triangular
 * C × C Toeplitz blocks on the diagonal (C = 128), then, for s = C, 2C, …, the odd blocks of s rows
 * take the even block of s keys before them, a full Toeplitz block (lags 1 … 2s − 1) by one FFT of
 * length ≥ 2s for all pairs at once. Every FFT output is then a sum the row really contains, and
 * fast agrees with inspect to ~1e-6 (measured up to T = 256). Cost O(T log² T · m · hd): log T
 * levels of FFTs whose lengths sum to ~2T each.
 * Neither path builds a T × T tensor. Inspect mode builds A [B, H, T, T] from the same weights and
 * y = A V: the exact implicit map.
 *
 * Feature map φ (`feature`):
 * - 'prf' (default; the positive random features of Performer, which the paper kernelises):
 *   φ(x) = exp(ωᵀx̂ − ‖x̂‖²/2) / √m with x̂ = x / hd^{1/4} and ω [hd, m], so that
 *   E_ω[φ(q)·φ(k)] = exp(q·k/√hd) for ω ~ N(0, I). ω is drawn N(0, 1) at initialisation like
 *   Performer's projection, but here it is stored as a weight and trained with the rest (Performer
 *   keeps or redraws its draws without training them).
 * - 'elu1': φ(x) = elu(x) + 1 on q and k (m = hd), the feature map of "Transformers are RNNs".
 * Both are > 0, so every weight is > 0 and the rows are distributions. The denominator gets the
 * linear-attention guard ε = 1e-6 (linearAttention.ts).
 *
 * b: one learned table per layer [heads, 2·maxLen − 1] (offset ℓ = i − j at column ℓ + maxLen − 1),
 * initialised N(0, 1) like the T5 bias table. Causal models read only ℓ ≥ 0.
 *
 * What was checked: the abstract (Toeplitz RPE matrix, FFT, O(n log n), RPE mitigating the
 * instability of kernelised attention) and the algebra above, numerically in the tests (fast
 * against inspect and a float64 reference with a direct double loop). No authors' code was found;
 * the paper's exact feature map, where b is added (we multiply the kernel by exp(b_{i−j}), i.e. add
 * b to the logit exp(q·k/√d) approximates), the sign convention of the offset (i − j here; it is
 * learned per offset either way) and the initialisation of b are UNVERIFIED against the paper text.
 * Positions: this block carries its own relative positions; the model's RoPE, ALiBi and T5 biases
 * do not act on it (embedding-level positions still apply).
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { relativePositions } from './attention';
import { elu1, LINEAR_EPS } from './linearAttention';
import { causalMask, mergeHeads, splitHeads } from './nn';
import { complexMul, fft, fftLength } from './spectral';
import { rememberRowPositions, seenSlots, slotTensors, writeSlot } from './kvCache';

/** φ of queries or keys [B, H, T, hd] → [B, H, T, m]. */
function features(ctx: BlockContext, x: Tensor, feature: 'prf' | 'elu1', omega: Tensor | null): Tensor {
  const { b, headDim } = ctx;
  if (feature === 'elu1' || !omega) return elu1(ctx, x);
  const m = omega.shape[1]!;
  const xs = b.mul(x, b.scalar(headDim ** -0.25)); // x̂ = x / hd^{1/4}
  const half = b.mul(b.reduceSum(b.mul(xs, xs), [-1], true), b.scalar(0.5)); // ‖x̂‖² / 2
  return b.mul(b.exp(b.sub(b.matmul(xs, omega), half)), b.scalar(1 / Math.sqrt(m))); // exp(ωᵀx̂ − ‖x̂‖²/2) / √m
}

/** c_ℓ = exp(b_ℓ) for every head, as a table [2·maxLen, H] whose last row is 0 (for "no lag"). */
function lagTable(ctx: BlockContext, rpe: Tensor): Tensor {
  const { b, nHeads: H } = ctx;
  const c = b.transpose(b.exp(rpe), [1, 0]); // [2·maxLen − 1, H]
  return b.concat([c, b.constant('zero_lag', 'float32', [1, H], new Array(H).fill(0))], 0); // [2·maxLen, H]
}

/** The exact map A [B, H, T, T]: φ(q_i)·φ(k_j) c_{i−j} over visible j, divided by its row total (+ ε). */
function kernelRpeMap(ctx: BlockContext, fq: Tensor, fk: Tensor, rpe: Tensor, causal: boolean): Tensor {
  const { b, T, maxLen, nHeads: H } = ctx;
  const { diff } = relativePositions(ctx); // i − j [T, T]
  const column = b.cast(b.add(diff, b.scalar(maxLen - 1)), 'int64');
  const C = b.reshape(b.transpose(b.gather(lagTable(ctx, rpe), column), [2, 0, 1]), [1, H, T, T]); // c_{i−j}
  let w = b.mul(b.matmul(fq, b.transpose(fk, [0, 1, 3, 2])), C); // [B, H, T, T]
  if (causal) w = b.where(causalMask(ctx), w, b.scalar(0));
  return b.div(w, b.add(b.reduceSum(w, [-1], true), b.scalar(LINEAR_EPS)));
}

/**
 * Toeplitz products of many short sequences by FFT: for each block X[·, ·, g] [s, Cc] (keys) and
 * output position t ∈ [from, from + count), Σ_q c_{lag(t − q)} X_q, where `lag(p)` gives the lag
 * at circular position p of the N-point kernel (null: 0). X [B, H, n, s, Cc] → [B, H, n, count, Cc].
 * Two real channels ride in one complex row (the kernel is real); 1/N of the inverse DFT is folded
 * into the kernel.
 */
function toeplitzFft(ctx: BlockContext, X: Tensor, table: Tensor, N: number, lag: (p: number) => number | null, from: number, count: number): Tensor {
  const { b, maxLen } = ctx;
  const [B, H, n, s, Cc] = X.shape as [number, number, number, number, number];
  const zeroRow = 2 * maxLen - 1;
  const index = Array.from({ length: N }, (_, p) => {
    const l = lag(p);
    return l === null || Math.abs(l) >= maxLen ? zeroRow : l + maxLen - 1; // lags beyond maxLen pair only padding
  });
  const c = b.mul(b.gather(table, b.constant('lag_index', 'int64', [N], index)), b.scalar(1 / N)); // [N, H]
  const cz = b.concat([b.reshape(c, [1, N, H]), b.constant('zeros', 'float32', [1, N, H], new Array(N * H).fill(0))], 0); // [2, N, H]
  const spectrum = b.reshape(fft(ctx, cz, -1), [2, N, 1, H, 1, 1]);
  const gr = b.slice(spectrum, [0], [0], [1]);
  const gi = b.slice(spectrum, [0], [1], [2]);

  const half = Math.ceil(Cc / 2);
  let signal = b.transpose(X, [3, 0, 1, 2, 4]); // [s, B, H, n, Cc]: time first
  signal = b.pad(signal, [0, 0, 0, 0, 0], [N - s, 0, 0, 0, 2 * half - Cc]); // zero-padded to N points (and to an even channel count)
  const R = B * H * n * half;
  const part = (at: number) => b.reshape(b.slice(signal, [4], [at], [at + half]), [1, N, R]);
  const Z = b.reshape(fft(ctx, b.concat([part(0), part(half)], 0), -1), [2, N, B, H, n, half]);
  const product = b.reshape(complexMul(ctx, Z, b.concat([gr, gr], 0), b.concat([b.neg(gi), gi], 0)), [2, N, R]);
  const conv = b.reshape(b.slice(fft(ctx, product, 1), [1], [from], [from + count]), [2, count, B, H, n, half]);
  let out = b.concat([b.slice(conv, [0], [0], [1]), b.slice(conv, [0], [1], [2])], 5); // [1, count, B, H, n, 2·half]
  if (Cc % 2 === 1) out = b.slice(out, [5], [0], [Cc]);
  return b.transpose(b.reshape(out, [count, B, H, n, Cc]), [1, 2, 3, 0, 4]); // [B, H, n, count, Cc]
}

/**
 * Leaf size of the causal product: diagonal blocks done as dense lower-triangular Toeplitz MatMuls.
 * A dense block costs about C multiply-adds per element, an FFT level about 150 (two transforms of
 * twice the length, radix-16 steps at 64 per complex point, and the reshuffles), so levels below
 * 128 are cheaper dense; measured, 128 ran about 1.3× faster than 32 at T = 2048–4096.
 */
const LEAF = 128;

/**
 * Causal Toeplitz product M_i = Σ_{j ≤ i} c_{i−j} U_j for U [B, H, T, Cc] → [B, H, T, Cc], by
 * divide and conquer (O(T log² T)): pad T to P = C·2^L; diagonal blocks of C exactly (MatMul with the
 * lower-triangular C × C Toeplitz block); then at each level s = C, 2C, …, P/2 the rows of every odd
 * block of s take the keys of the even block before it, a full Toeplitz block (lags 1 … 2s − 1) done
 * for all pairs at once by one FFT of length ≥ 2s. A single causal FFT over the whole sequence would
 * be O(T log T) but must cancel every future key's contribution to zero, which in float32 leaves
 * rounding the size of the largest keys on rows whose true sums are small (early rows; with random
 * features, up to 1e-3 relative at T = 256); here every FFT output is a sum the row really contains.
 */
function toeplitzCausal(ctx: BlockContext, U: Tensor, table: Tensor): Tensor {
  const { b, maxLen } = ctx;
  const [B, H, T, Cc] = U.shape as [number, number, number, number];
  const C = Math.min(LEAF, T);
  let P = C;
  while (P < T) P *= 2;
  const X = P === T ? U : b.pad(U, [0, 0, 0, 0], [0, 0, P - T, 0]); // [B, H, P, Cc]

  // Diagonal blocks: K[r][q] = c_{r−q} for q ≤ r.
  const idx: number[] = [];
  for (let r = 0; r < C; r++) for (let q = 0; q < C; q++) idx.push(q <= r ? r - q + maxLen - 1 : 2 * maxLen - 1);
  const K = b.reshape(b.transpose(b.gather(table, b.constant('leaf_lags', 'int64', [C, C], idx)), [2, 0, 1]), [1, H, 1, C, C]);
  let M = b.reshape(b.matmul(K, b.reshape(X, [B, H, P / C, C, Cc])), [B, H, P, Cc]);

  for (let s = C; s < P; s *= 2) {
    const pairs = P / (2 * s);
    const blocks = b.reshape(X, [B, H, pairs, 2, s, Cc]);
    const keys = b.reshape(b.slice(blocks, [3], [0], [1]), [B, H, pairs, s, Cc]);
    // Output t ∈ [s, 2s) of the convolution with lags 1 … 2s − 1 is row t − s of the odd block.
    const cross = toeplitzFft(ctx, keys, table, fftLength(2 * s), (p) => (p >= 1 && p <= 2 * s - 1 ? p : null), s, s); // [B, H, pairs, s, Cc]
    const odd = b.pad(b.reshape(cross, [B, H, pairs, 1, s, Cc]), [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 0]); // even blocks get 0
    M = b.add(M, b.reshape(odd, [B, H, P, Cc]));
  }
  return P === T ? M : b.slice(M, [2], [0], [T]);
}

/**
 * y = A V without A: Toeplitz products of U = φ(k) ⊗ [v, 1] with c (causal: divide and conquer;
 * bidirectional: one FFT over the whole sequence), then φ(q)ᵀ· → [B, H, T, hd].
 */
function kernelRpeFast(ctx: BlockContext, fq: Tensor, fk: Tensor, v: Tensor, rpe: Tensor, causal: boolean): Tensor {
  const { b, B, T, nHeads: H, headDim: hd } = ctx;
  const m = fk.shape[3]!;
  const table = lagTable(ctx, rpe);
  const ones = b.expand(b.scalar(1), [B, H, T, 1]);
  const raw = b.mul(b.reshape(fk, [B, H, T, m, 1]), b.reshape(b.concat([v, ones], -1), [B, H, T, 1, hd + 1])); // [B, H, T, m, hd + 1]
  // Each channel divided by its largest magnitude before the FFTs and multiplied back after (the
  // products are linear per channel, so this changes nothing but rounding): two channels share a
  // complex row, and without it a small channel inherits the rounding of a large partner.
  const scale = b.detach(b.add(b.reduceMax(b.abs(raw), [2], true), b.scalar(1e-30))); // [B, H, 1, m, hd + 1]
  const U = b.reshape(b.div(raw, scale), [B, H, T, m * (hd + 1)]);
  let M: Tensor;
  if (causal) M = toeplitzCausal(ctx, U, table);
  else {
    // Lags −(T − 1) … T − 1 on N ≥ 2T − 1 points: p < T is lag p, p > N − T is lag p − N.
    const N = fftLength(2 * T - 1);
    M = b.reshape(toeplitzFft(ctx, b.reshape(U, [B, H, 1, T, m * (hd + 1)]), table, N, (p) => (p < T ? p : p > N - T ? p - N : null), 0, T), [B, H, T, m * (hd + 1)]);
  }
  M = b.mul(b.reshape(M, [B, H, T, m, hd + 1]), scale); // Σ_j c_{i−j} φ(k_j) [v_j, 1]ᵀ
  const out = b.reshape(b.matmul(b.reshape(fq, [B, H, T, 1, m]), M), [B, H, T, hd + 1]); // φ(q_i)ᵀ ·
  const num = b.slice(out, [3], [0], [hd]);
  const den = b.slice(out, [3], [hd], [hd + 1]);
  return b.div(num, b.add(den, b.scalar(LINEAR_EPS)));
}

export default defineBlock({
  kind: 'kernel_rpe',
  slot: 'mixer',
  title: 'Kernelised attention with relative positions',
  paper: 'Stable, Fast and Accurate: Kernelized Attention with Relative Positional Encoding',
  explanation:
    'Linear-style attention whose weights also depend on how far apart two tokens are: the ' +
    'query–key match comes from a positive feature map (random features that imitate softmax, or ' +
    'elu + 1), and it is multiplied by a learned factor for each head and each distance. Because that ' +
    'factor depends only on the distance, the positional part is a Toeplitz matrix, and the sums over ' +
    'keys are convolutions along the sequence, computed with fast Fourier transforms: cost grows like ' +
    'T log T (T log² T for a decoder), never building the T × T map. The map shown is exact; its ' +
    'diagonals show the learned distance preferences.',
  map: 'implicit',
  doc: `
**Paper:** "Stable, Fast and Accurate: Kernelized Attention with Relative Positional Encoding"
(Luo et al., NeurIPS 2021). Checked against the abstract (Toeplitz RPE matrix, FFT, O(n log n), RPE
stabilising kernelised attention); no authors' code was found, so the feature map's details, where
b enters, the offset's sign convention and b's initialisation are UNVERIFIED against the paper text.
**Math:** per head, w_ij = φ(q_i)·φ(k_j) · exp(b_{i−j}) over the visible keys (j ≤ i when causal),
A_ij = w_ij / (Σ_j′ w_ij′ + ε), y = A V, then the output projection; b is a learned table
[heads, 2·maxLen − 1], one scalar per head and offset (N(0, 1) at initialisation). It is the
kernelised form of softmax attention with a relative bias, exp(q·k/√d + b_{i−j}), with
exp(q·k/√d) ≈ φ(q)·φ(k). φ = Performer's positive random features,
φ(x) = exp(ωᵀx̂ − ‖x̂‖²/2)/√m with x̂ = x/hd^{1/4} and ω [hd, m] drawn N(0, 1) (stored as a weight
and trained, unlike Performer), or elu(x) + 1. ε = 1e-6 as in linear attention.
The map is exact: each row is the query's feature overlap with every visible key, scaled by that
head's learned factor for the distance, normalised to sum to 1.
**Fast path (ONNX; no T×T tensor):** the numerator and denominator are
φ(q_i)ᵀ Σ_j exp(b_{i−j}) φ(k_j) [v_j, 1]ᵀ: a Toeplitz product over the m·(hd + 1) channels of
φ(k) ⊗ [v, 1]. Bidirectional: one circular convolution of length N ≥ 2T − 1 with the spectral
mixer's FFT (radix-16 DFT steps as real MatMuls, twiddle Muls, Transposes), two real channels per
complex row: O(T log T). Causal: divide and conquer, O(T log² T): dense lower-triangular 128 × 128
Toeplitz blocks on the diagonal (MatMul), then per level s = 128, 256, … every odd block of s rows
takes the even block of s keys before it by one batched FFT. (A single causal FFT is O(T log T)
but in float32 it was off by up to 2.5e-3 at T = 256, because later keys must cancel to zero on
early rows; the divide and conquer agrees with the map to ~1e-6.) Then MatMul with φ(q) and Div.
The model's RoPE, ALiBi and T5 biases do not act on this mixer.
**Decoding:** a cache of φ(k) and v, heads·(m + headDim) floats per token per layer (m = the
random features, or headDim for elu + 1); each step is one row w_tj = φ(q_t)·φ(k_j)·exp(b_{t−j})
over the cached keys, O(C·(m + headDim)) per head. There is no constant-size state: the learned
factor per offset couples every pair (t, j).
`,
  params: z.object({
    feature: z.enum(['prf', 'elu1']).describe('positive random features (Performer) or elu + 1').default('prf'),
    features: z.number().int().min(2).max(128).describe('random features m (prf only)').default(16),
    causal: z.boolean().default(true),
  }),
  emit(ctx, x, p) {
    const { b, dModel, nHeads: H, headDim, maxLen } = ctx;
    const omega = p.feature === 'prf' ? ctx.weight('omega', [headDim, p.features], { kind: 'normal', std: 1 }) : null;
    const rpe = ctx.weight('rpe', [H, 2 * maxLen - 1], { kind: 'normal', std: 1 }); // b_ℓ at column ℓ + maxLen − 1
    const fq = features(ctx, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q')), p.feature, omega); // [B, H, T, m]
    const fk = features(ctx, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k')), p.feature, omega);
    const v = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v'));
    if (ctx.mode === 'inspect') {
      const probs = kernelRpeMap(ctx, fq, fk, rpe, p.causal);
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(probs, v)), dModel, dModel, 'o'), probs };
    }
    return { y: ctx.linear(mergeHeads(ctx, kernelRpeFast(ctx, fq, fk, v, rpe, p.causal)), dModel, dModel, 'o') };
  },
  // Decoding: φ(k) and v cached; one row of the map per step, the lag factor from each slot's distance.
  decode: {
    state: (p, m) => {
      const [H, hd] = [m.nHeads, m.dModel / m.nHeads];
      const features = p.feature === 'prf' ? p.features : hd;
      return [
        { name: 'k', kind: 'cache', shape: (C) => [H, C, features], note: 'key features φ(k)' },
        { name: 'v', kind: 'cache', shape: (C) => [H, C, hd], note: 'values' },
      ];
    },
    emit(ctx, x, p, state) {
      const { b, dModel, nHeads: H, headDim, maxLen, decode: dec } = ctx;
      const C = dec.capacity;
      const omega = p.feature === 'prf' ? ctx.weight('omega', [headDim, p.features], { kind: 'normal', std: 1 }) : null;
      const rpe = ctx.weight('rpe', [H, 2 * maxLen - 1], { kind: 'normal', std: 1 });
      const { positions, write } = slotTensors(b, dec, { kind: 'full' });
      const fq = features(ctx, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q')), p.feature, omega); // [B, H, 1, m]
      const K = writeSlot(b, state['k']!, features(ctx, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'k')), p.feature, omega), write); // [B, H, C, m]
      const V = writeSlot(b, state['v']!, splitHeads(ctx, ctx.linear(x, dModel, dModel, 'v')), write); // [B, H, C, hd]
      // c_{t−j} = exp(b_{t−j}) per head at each slot's lag (empty slots read lag 0 and are hidden).
      const column = b.cast(b.add(b.clip(b.sub(dec.position, positions), 0, maxLen - 1), b.scalar(maxLen - 1)), 'int64'); // [C]
      const lag = b.reshape(b.transpose(b.gather(lagTable(ctx, rpe), column), [1, 0]), [1, H, 1, C]);
      const w = b.mul(b.mul(b.matmul(fq, b.transpose(K, [0, 1, 3, 2])), lag), seenSlots(ctx, positions)); // [B, H, 1, C]
      const row = rememberRowPositions(b.div(w, b.add(b.reduceSum(w, [-1], true), b.scalar(LINEAR_EPS))), positions);
      return { y: ctx.linear(mergeHeads(ctx, b.matmul(row, V)), dModel, dModel, 'o'), next: { k: K, v: V }, row };
    },
  },
});
