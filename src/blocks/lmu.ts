/**
 * Legendre Memory Unit mixer: a fixed linear memory of each channel's recent past, read out by a
 * learned vector per head. Papers: "LMUFormer: Low Complexity Yet Powerful Spiking Model With
 * Legendre Memory Units" (Liu et al., ICLR 2024), built on "Legendre Memory Units: Continuous-Time
 * Representation in Recurrent Neural Networks" (Voelker et al., NeurIPS 2019).
 *
 * The memory (Voelker et al., Sec. 2): θ ṁ(t) = A m(t) + B u(t), order q, window θ, with
 *   A_ij = (2i + 1) · (−1 if i < j, else (−1)^(i−j+1)),   B_i = (2i + 1) · (−1)^i     (i, j = 0 … q − 1)
 * discretised by zero-order hold with dt = 1 (one token): Ā = e^{A/θ}, B̄ = ∫₀¹ e^{A s/θ} ds · B/θ,
 * computed here in float64 at compile time as the exponential of the augmented matrix
 * [[A/θ, B/θ], [0, 0]] = [[Ā, B̄], [0, 1]] (what scipy's cont2discrete does for "zoh"), by scaling
 * and squaring with a Taylor series.
 *
 * What this block computes, per head h with headDim = P channels:
 *   u_t = x_t W_u, split into heads (P values per head: the values)
 *   m_t = Ā m_{t−1} + B̄ u_tᵀ       (m_t: q × P, one Legendre memory per channel, m_{−1} = 0)
 *   y_t = m_tᵀ w_h                  (w_h ∈ R^q: the head's readout of its memories)
 *   out = merge(y) W_o
 * Implicit map per head (exact, y = A·u): unrolling, m_t = Σ_{s ≤ t} Ā^(t−s) B̄ u_sᵀ, so
 *   A_ts = k_h(t − s) for s ≤ t, 0 above the diagonal,   k_h(n) = w_hᵀ Ā^n B̄
 * a causal Toeplitz matrix: the weight of an earlier token depends only on how far back it lies.
 *
 * Sources checked: zeyuliu1037/LMUFormer, src/blocks/lmu_cell.py (LMUFFTCell): R = (2q + 1)/θ,
 * A = R · where(i < j, −1, (−1)^(i−j+1)), B = R · (−1)^q, cont2discrete(zoh, dt = 1.0); the impulse
 * response H_t = Ā^t B̄ (t = 0, 1, …), m = causal convolution of u with H (computed with rfft), and
 * forward_recurrent m_t = Ā m_{t−1} + B̄ u_t, the same thing; u = f_u(W_u x) with W_u: input → 1;
 * h = f_h(W_h [m; x]); ReLU for f_u, f_h (spiking neurons and BatchNorm in the spiking variant);
 * then a 1×1 conv and BatchNorm. The Legendre A, B and the ZOH call match nengo/keras-lmu's.
 * Ā and B̄ for order 3 are checked against scipy.signal.cont2discrete in test/blocks/lmu.test.ts.
 *
 * Decisions (so that each head has one exact T × T map):
 * - One memory per channel (keras-lmu's memory_d > 1), not LMUFormer's single scalar u_t: with a
 *   scalar input and a memory read by a dense W_m into many outputs there is one kernel per output
 *   channel, not one map per head. Here every channel of a head goes through the same fixed memory
 *   and the head reads all of them with the same w_h, so all its channels share one kernel k_h.
 * - Left out: the ReLUs f_u and f_h (they would sit on u and after the map; the map stays exact
 *   without them and the mixer stays linear in u like pooling), the x path inside h (W_x x, carried
 *   by the layer's residual instead), BatchNorm and the spiking neurons.
 * - Ā, B̄ are fixed constants (LMUFormer and the LMU paper keep them fixed); learned: W_u, w_h, W_o.
 *   Initialisation: W_u, W_o ~ N(0, 1/d), w_h ~ N(0, 1/q).
 * - Causal only (a recurrence). Position blocks that act inside attention do not apply.
 * - Fast path, linear in T (chunks of C = min(chunk, T) tokens, time zero-padded to n·C at the end):
 *   inside a chunk the C × C lower-triangular Toeplitz block of k_h (one MatMul); each chunk's own
 *   contribution to the memory at its end, S_c = Σ_s Ā^(C−1−s) B̄ u_sᵀ (one MatMul with a constant
 *   [q, C]); the memory entering each chunk carried forward one chunk at a time,
 *   M_c = Ā^C M_{c−1} + S_c, unrolled over the n chunks (n − 2 MatMuls of q × q on q × P states);
 *   and read out by w_hᵀ Ā^(l+1) at position l of the chunk. Work O(T·(C + 2q)·d + n·q²·d).
 *   No exponent grows with T: every factor is a power of the stable Ā (spectral radius < 1).
 *
 * Decoding (constant state): the memory itself, m_t = Ā m_{t−1} + B̄ u_tᵀ [q, P] per head, y_t = m_tᵀ w_h
 * (Ā, B̄ the same float64-built constants). The chunked form is this recurrence summed: the Toeplitz
 * block is Σ_{s in chunk} w_hᵀ Ā^(t−s) B̄ u_s and the carried memory adds w_hᵀ Ā^(l+1) M_{c−1}.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { chunkLayout, fromChunks, toChunks } from './chunks';
import { mergeHeads, splitHeads } from './nn';

/** Square matrices, row-major, float64. */
function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j]! += aik * b[k * n + j]!;
    }
  return out;
}

/** e^M for a square n × n matrix (row-major, float64): scaling and squaring, Taylor series on M / 2^s with ‖M / 2^s‖∞ ≤ 1/4. */
export function expm(m: Float64Array, n: number): Float64Array {
  let norm = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += Math.abs(m[i * n + j]!);
    norm = Math.max(norm, row);
  }
  const s = norm > 0.25 ? Math.ceil(Math.log2(norm / 0.25)) : 0;
  const a = m.map((v) => v / 2 ** s);
  let result: Float64Array = new Float64Array(n * n);
  let term: Float64Array = new Float64Array(n * n);
  for (let i = 0; i < n; i++) result[i * n + i] = term[i * n + i] = 1;
  // ‖a‖ ≤ 1/4: the k-th term is at most 4^−k / k!, below 1e-30 by k = 24.
  for (let k = 1; k <= 24; k++) {
    term = matMul(term, a, n).map((v) => v / k);
    result = result.map((v, i) => v + term[i]!);
  }
  for (let i = 0; i < s; i++) result = matMul(result, result, n);
  return result;
}

/** The continuous Legendre memory (A, B) of order q, before dividing by θ: A row-major [q, q], B [q]. */
export function legendreAB(q: number): { A: Float64Array; B: Float64Array } {
  const A = new Float64Array(q * q);
  const B = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < q; j++) A[i * q + j] = (2 * i + 1) * (i < j ? -1 : (-1) ** (i - j + 1));
    B[i] = (2 * i + 1) * (-1) ** i;
  }
  return { A, B };
}

/** Ā = e^{A/θ} [q, q] and B̄ = ∫₀¹ e^{A s/θ} ds B/θ [q]: zero-order hold with dt = 1, in float64. */
export function legendreZoh(q: number, theta: number): { A: Float64Array; B: Float64Array } {
  const { A, B } = legendreAB(q);
  const n = q + 1;
  const aug = new Float64Array(n * n); // [[A/θ, B/θ], [0, 0]]
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < q; j++) aug[i * n + j] = A[i * q + j]! / theta;
    aug[i * n + q] = B[i]! / theta;
  }
  const e = expm(aug, n);
  const Ad = new Float64Array(q * q);
  const Bd = new Float64Array(q);
  for (let i = 0; i < q; i++) {
    for (let j = 0; j < q; j++) Ad[i * q + j] = e[i * n + j]!;
    Bd[i] = e[i * n + q]!;
  }
  return { A: Ad, B: Bd };
}

/** Ā^k v for k = 0 … count − 1: [count][q]. */
function powersTimes(Ad: Float64Array, v: Float64Array, q: number, count: number): Float64Array[] {
  const out: Float64Array[] = [];
  let cur: Float64Array = Float64Array.from(v);
  for (let k = 0; k < count; k++) {
    out.push(cur);
    const next = new Float64Array(q);
    for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) next[i]! += Ad[i * q + j]! * cur[j]!;
    cur = next;
  }
  return out;
}

/** Ā^k for k = 0 … count − 1 (each row-major [q, q]). */
function matrixPowers(Ad: Float64Array, q: number, count: number): Float64Array[] {
  const out: Float64Array[] = [];
  let cur: Float64Array = new Float64Array(q * q);
  for (let i = 0; i < q; i++) cur[i * q + i] = 1;
  for (let k = 0; k < count; k++) {
    out.push(cur);
    cur = matMul(Ad, cur, q);
  }
  return out;
}

/**
 * The lower-triangular Toeplitz matrices of the kernels k [H, L] (k_h(0 … L − 1)):
 * out[h, l, s] = k_h(l − s) for s ≤ l, else 0 → [1, H, L, L], by a Gather of the kernel table.
 * The same for every sequence of a batch (the map does not depend on the input): a leading 1.
 */
function causalToeplitz(ctx: BlockContext, k: Tensor): Tensor {
  const { b } = ctx;
  const [H, L] = k.shape as [number, number];
  const idx = Array.from({ length: L }, (_, i) => i);
  const rows = b.constant('row_index', 'float32', [L, 1], idx);
  const cols = b.constant('col_index', 'float32', [1, L], idx);
  const diff = b.sub(rows, cols); // l − s
  const taps = b.gather(b.transpose(k, [1, 0]), b.cast(b.relu(diff), 'int64')); // [L, L, H]: k(max(l − s, 0))
  const lower = b.where(b.greaterOrEqual(diff, b.scalar(0)), b.transpose(taps, [2, 0, 1]), b.scalar(0)); // [H, L, L]
  return b.reshape(lower, [1, H, L, L]);
}

export default defineBlock({
  kind: 'lmu',
  slot: 'mixer',
  title: 'Legendre Memory Unit (LMUFormer)',
  paper: 'LMUFormer: Low Complexity Yet Powerful Spiking Model With Legendre Memory Units',
  explanation:
    'An attention-free mixer with a fixed, mathematically derived memory: every channel keeps the ' +
    'last θ tokens of its input summarised as a few Legendre coefficients (how much of a constant, ' +
    'a slope, a curve, … the recent past looks like), updated by the same fixed rule at every token. ' +
    'Each head learns only how to read its memories. Unrolled, token t takes from an earlier token s ' +
    'an amount that depends only on the distance t − s (a Toeplitz map, the same on every diagonal), ' +
    'and nothing from the future. It runs in time linear in the length.',
  map: 'implicit',
  letter: 'U',
  doc: `
**Paper:** "LMUFormer: Low Complexity Yet Powerful Spiking Model With Legendre Memory Units" (Liu et
al., ICLR 2024), on "Legendre Memory Units: Continuous-Time Representation in Recurrent Neural
Networks" (Voelker et al., NeurIPS 2019). Checked against the official code (zeyuliu1037/LMUFormer,
\`src/blocks/lmu_cell.py\`: the Legendre A, B and \`cont2discrete(..., dt=1.0, method="zoh")\`) and
nengo/keras-lmu; Ā and B̄ are checked against SciPy's values in the tests.
**Math:** the memory θ ṁ = A m + B u with A_ij = (2i + 1)·(−1 if i < j, else (−1)^(i−j+1)) and
B_i = (2i + 1)(−1)^i (i, j < q = \`order\`), discretised by zero-order hold over one token:
Ā = e^{A/θ}, B̄ = ∫₀¹ e^{As/θ} ds · B/θ (computed at compile time in float64). Per head h:
u_t = x_t W_u (headDim channels), m_t = Ā m_{t−1} + B̄ u_tᵀ (one memory of q Legendre coefficients
per channel), y_t = m_tᵀ w_h (a learned readout per head), out = y W_o. Ā and B̄ are fixed; W_u,
w_h and W_o are learned.
The map is A_ts = w_hᵀ Ā^(t−s) B̄ for s ≤ t and 0 above the diagonal: a causal Toeplitz matrix, the
same on every diagonal and for every input, so y = A·u exactly in every head. Token t takes from
an earlier token s an amount that depends only on how far back s lies: how that token's input
still echoes in the memory t − s steps later, as the head reads it.
Left out from LMUFormer: the ReLU (or spiking) activations on u and after the readout, the x path
W_x x inside h (the layer's residual carries x), BatchNorm; one memory per channel (as keras-lmu's
\`memory_d\`) rather than one scalar u_t, so that each head has one map.
**Fast path (no T × T matrix; linear in T):** chunks of \`chunk\` tokens: inside a chunk the C × C
Toeplitz block of the kernel (one MatMul); each chunk's contribution to the memory at its end
(MatMul with the constant [q, C] of Ā^(C−1−s) B̄); the memory carried from chunk to chunk,
M_c = Ā^C M_{c−1} + S_c, unrolled one chunk after another; and read out by w_hᵀ Ā^(l+1) at
position l. Work O(T·(C + 2q)·d) plus q² per chunk.
ONNX ops: MatMul, Gather, Cast, Relu, Sub, GreaterOrEqual, Where, Reshape, Transpose, Slice,
Concat, Add (fast); MatMul, Gather, Cast, Relu, Sub, GreaterOrEqual, Where, Reshape, Transpose
(inspect).

**Decoding:** constant state the memories m (order × headDim per head), order·d floats per layer
(one token: m ← Ā m + B̄ uᵀ, y = mᵀ w_h).
`,
  params: z.object({
    order: z.number().int().min(2).max(32).describe('q, Legendre coefficients per memory').default(8),
    theta: z.number().min(4).max(512).describe('θ, the window in tokens').default(32),
    chunk: z.number().int().min(8).max(256).describe('tokens per chunk of the fast path').default(64),
  }),
  emit(ctx, x, p) {
    const { b, B, T, dModel: d, nHeads: H } = ctx;
    const q = p.order;
    const { A: Ad, B: Bd } = legendreZoh(q, p.theta);
    const u = splitHeads(ctx, ctx.linear(x, d, d, 'u', { bias: false })); // [B, H, T, P]
    const wm = ctx.weight('wm', [H, q], { kind: 'normal', std: 1 / Math.sqrt(q) }); // w_h, one readout per head
    const project = (y: Tensor) => ctx.linear(mergeHeads(ctx, y), d, d, 'o', { bias: false });
    /** k_h(0 … L − 1) = w_hᵀ Ā^n B̄ → [H, L]. */
    const kernels = (L: number) => {
      const imp = powersTimes(Ad, Bd, q, L); // [L][q]
      const table = Array.from({ length: q * L }, (_, i) => imp[i % L]![Math.floor(i / L)]!); // [q, L]
      return b.matmul(wm, b.constant('impulse_response', 'float32', [q, L], table));
    };

    if (ctx.mode === 'inspect') {
      const probs = causalToeplitz(ctx, kernels(T)); // [1, H, T, T], one map for every sequence
      return { y: project(b.matmul(probs, u)), probs };
    }

    const C = Math.min(p.chunk, T);
    const { n } = chunkLayout(T, C);
    const uc = toChunks(ctx, u, C); // [B, H, n, C, P]
    let y = b.matmul(b.reshape(causalToeplitz(ctx, kernels(C)), [1, H, 1, C, C]), uc); // within chunks
    if (n > 1) {
      const P = ctx.headDim;
      const pows = matrixPowers(Ad, q, C + 1); // Ā^0 … Ā^C
      // S_c = Σ_s Ā^(C−1−s) B̄ u_s: column s of the constant is Ā^(C−1−s) B̄.
      const imp = powersTimes(Ad, Bd, q, C);
      const write = Array.from({ length: q * C }, (_, i) => imp[C - 1 - (i % C)]![Math.floor(i / C)]!); // [q, C]
      const S = b.matmul(b.constant('chunk_write', 'float32', [q, C], write), uc); // [B, H, n, q, P]
      // M_c = Ā^C M_{c−1} + S_c, one chunk at a time; the memory entering chunk c is M_{c−1} (0 for c = 0).
      const carry = b.constant('chunk_carry', 'float32', [q, q], pows[C]!);
      const entering: Tensor[] = [b.constant('zero_memory', 'float32', [B, H, 1, q, P], new Array(B * H * q * P).fill(0))]; // one per sequence
      let memory = b.slice(S, [2], [0], [1]);
      for (let c = 1; c < n; c++) {
        entering.push(memory);
        if (c < n - 1) memory = b.add(b.matmul(carry, memory), b.slice(S, [2], [c], [c + 1]));
      }
      // Read-out of the entering memory at position l: w_hᵀ Ā^(l+1) M, as [H, C·q] from a constant [q, C·q].
      const readTable = new Array<number>(q * C * q);
      for (let l = 0; l < C; l++) {
        const pw = pows[l + 1]!;
        for (let i = 0; i < q; i++) for (let j = 0; j < q; j++) readTable[i * C * q + l * q + j] = pw[i * q + j]!;
      }
      const read = b.reshape(b.matmul(wm, b.constant('chunk_read', 'float32', [q, C * q], readTable)), [1, H, 1, C, q]);
      y = b.add(y, b.matmul(read, b.concat(entering, 2))); // [B, H, n, C, P]
    }
    return { y: project(fromChunks(ctx, y, T)) };
  },
  decode: {
    state: (p, m) => [{ name: 'memory', kind: 'recurrent', shape: () => [m.nHeads, p.order, m.dModel / m.nHeads], note: 'm = Σ Ā^(t−s) B̄ u_sᵀ per head' }],
    emit(ctx, x, p, state) {
      const { b, dModel: d, nHeads: H } = ctx;
      const q = p.order;
      const { A: Ad, B: Bd } = legendreZoh(q, p.theta);
      const u = splitHeads(ctx, ctx.linear(x, d, d, 'u', { bias: false })); // [B, H, 1, P]
      const wm = ctx.weight('wm', [H, q], { kind: 'normal', std: 1 / Math.sqrt(q) });
      const Abar = b.constant('lmu_A', 'float32', [q, q], Array.from(Ad));
      const Bbar = b.constant('lmu_B', 'float32', [q, 1], Array.from(Bd));
      const memory = b.add(b.matmul(Abar, state['memory']!), b.matmul(Bbar, u)); // Ā m + B̄ uᵀ, [B, H, q, P]
      const y = b.matmul(b.reshape(wm, [1, H, 1, q]), memory); // w_hᵀ m, [B, H, 1, P]
      return { y: ctx.linear(mergeHeads(ctx, y), d, d, 'o', { bias: false }), next: { memory } };
    },
  },
});
