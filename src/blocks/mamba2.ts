/**
 * Mamba-2: the selective state space model in its state-space-dual (SSD) form.
 * Paper: "Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured
 * State Space Duality" (Dao & Gu, 2024), following "Mamba: Linear-Time Sequence Modeling with
 * Selective State Spaces" (Gu & Dao, 2023).
 *
 * Per head h (headDim P values), state size N shared by all heads (Mamba-2's single group):
 *   X_t = x_t W_x split into H heads          (the "values"; V in the duality)
 *   B_t = x_t W_B,  C_t = x_t W_C ∈ R^N        (K and Q in the duality)
 *   Δ_t = softplus(x_t W_Δ + b_Δ)_h            (one step size per head and token)
 *   a_t = exp(Δ_t · A_h),  A_h = −exp(A_log_h) < 0
 *   h_t = a_t h_{t−1} + Δ_t B_t X_tᵀ,   y_t = h_tᵀ C_t + D_h X_t          (h_t: N × P)
 *   out = (y ⊙ SiLU(x W_z)) W_o
 * Implicit map per head (y = A·X exactly; the D skip is folded onto the diagonal):
 *   A_ts = (C_t · B_s) · Δ_s · exp(cum_t − cum_s) + D_h·[t = s]  for s ≤ t, 0 for s > t,
 *   cum_t = Σ_{r ≤ t} Δ_r A_h  (so exp(cum_t − cum_s) = ∏_{r=s+1..t} a_r).
 * In inspect mode cum_t − cum_s is computed as the segment sum Σ_{s<r≤t} Δ_r A_h (a CumSum over t
 * of the masked [T, T] matrix of log a_r, ssd_minimal's stable `segsum`), not as the difference of
 * two running sums: in float32 that difference loses digits as |cum_t| grows with T (we measured
 * 4e-4 relative on the logits at T = 2048 against 1e-5 with the segment sum).
 *
 * Sources checked (state-spaces/mamba):
 * - mamba_ssm/modules/ssd_minimal.py (= Listing 1 of the paper): chunks of block_len; L =
 *   exp(segsum(A)) inside chunks (Y_diag = einsum(C, B, L, X)); chunk states with decay
 *   exp(A_cumsum[-1] − A_cumsum); inter-chunk states by exp(segsum(pad(chunk totals))) over the
 *   chunks; Y_off = C · state · exp(A_cumsum). Its segsum is the stable one (a masked cumsum, not a
 *   difference of cumsums). The test calls it with X·dt and A·dt: the input is Δ-scaled, as here.
 * - mamba_ssm/modules/mamba2_simple.py: in_proj (no bias) gives [z, x, B, C, dt]; dt =
 *   softplus(dt + dt_bias); A = −exp(A_log) per head; D per head initialised to 1; a depthwise
 *   causal conv (d_conv 4) + SiLU on x, B, C before the scan; y = RMSNormGated(y, z) =
 *   RMSNorm(y · SiLU(z)); out_proj (no bias). The reference scan (ssd_chunk_scan_combined_ref in
 *   the Triton ops) adds D · x with the un-scaled x and multiplies by SiLU(z) at the end.
 *
 * Decisions:
 * - Mamba-2 rather than Mamba's S6: S6 has a diagonal A (a decay per channel and state entry), so
 *   its exact map is per channel (d maps of T × T, not H) and its linear-time form is the
 *   sequential selective scan, which ONNX has no op for (a Loop would take one step per token); its
 *   decays do not factor into matrix products. Mamba-2's decay is one scalar per head and token,
 *   so each head has one exact T × T map and the recurrence has a chunked form made of plain
 *   matrix products (SSD), which onnxruntime-web runs well.
 * - Left out: the short causal conv (so the map stays exactly y = A·X in the mixer's input) and
 *   the RMSNorm after the gate; kept: the SiLU(z) gate, after the map, and the output projection.
 * - D is folded onto the map's diagonal, so attn_probs shows the skip and y = A·X holds exactly.
 * - Initialisation (no uniform draws in this builder): A_log ~ N(0, 1) (so A_h spreads around −1
 *   like Mamba-2's A ∈ [−16, −1] spreads its time scales), b_Δ = −2 (Δ ≈ 0.13 at x W_Δ = 0;
 *   Mamba-2 draws Δ in [0.001, 0.1] for much longer sequences), D = 1, projections N(0, 1/d).
 * - Fast path, SSD (Listing 1) on chunks of C tokens (time zero-padded to n·C at the end):
 *   intra-chunk C × C masked quadratic form; chunk states; inter-chunk propagation with the n × n
 *   matrix exp(segsum) of chunk totals, built with the stable masked cumsum; state → output.
 *   Cumulative sums of log a restart in every chunk, so no exponent grows with T. A chunk longer
 *   than the sequence is one chunk of T tokens. Causal only (a recurrence).
 * - Position blocks that act inside attention (RoPE, ALiBi, T5) do not apply to this mixer; the
 *   ones added to the embeddings still do.
 *
 * Decoding (constant state): per head h_t = exp(Δ_t A_h) h_{t−1} + B_t (Δ_t X_t)ᵀ [N, P],
 * y_t = C_t h_t + D_h X_t, then the gate and projection: the recurrence SSD evaluates in chunks (its
 * intra-chunk form plus the state entering the chunk, decayed by exp(cum)). No conv state: the short
 * convolution is left out above.
 */
import { z } from 'zod';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';
import { chunkLayout, fromChunks, toChunks } from './chunks';
import { causalMask, mergeHeads, positionIndices, splitHeads } from './nn';

/** softplus(x) = log(1 + eˣ), computed as max(x, 0) + log(1 + e^−|x|) (no overflow). */
function softplus(ctx: BlockContext, x: Tensor): Tensor {
  const { b } = ctx;
  return b.add(b.relu(x), b.log(b.add(b.scalar(1), b.exp(b.neg(b.abs(x))))));
}

/** Bool [m, m]: true where row index ≥ column index + offset. */
function lowerMask(ctx: BlockContext, m: number, offset: number): Tensor {
  const { b } = ctx;
  const idx = Array.from({ length: m }, (_, i) => i);
  const rows = b.constant('row_index', 'int64', [m, 1], idx);
  const cols = b.constant('col_index', 'int64', [1, m], idx.map((i) => i + offset));
  return b.greaterOrEqual(rows, cols);
}

/** Masked exp: exp(s) where `mask`, exactly 0 elsewhere (the exponent is masked first, so no overflow). */
function maskedExp(ctx: BlockContext, mask: Tensor, s: Tensor): Tensor {
  const { b } = ctx;
  return b.where(mask, b.exp(b.where(mask, s, b.scalar(0))), b.scalar(0));
}

export default defineBlock({
  kind: 'mamba2',
  slot: 'mixer',
  title: 'Mamba-2 (selective state space)',
  paper: 'Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured State Space Duality',
  explanation:
    'An attention-free mixer: each head carries a small memory (a state) along the sequence. At ' +
    'every token the memory fades by a factor the token itself chooses, then the token writes into ' +
    'it; each output reads the memory. Unrolled, token t takes from an earlier token s the amount ' +
    '(how well t\'s read key matches s\'s write key) × (how much s wrote) × (everything that faded ' +
    'in between), which is the map shown. It costs time linear in length: no T × T matrix is ever ' +
    'needed to run it.',
  map: 'implicit',
  letter: 'M',
  doc: `
**Paper:** "Transformers are SSMs: Generalized Models and Efficient Algorithms Through Structured
State Space Duality" (Dao & Gu, 2024), following "Mamba: Linear-Time Sequence Modeling with
Selective State Spaces" (Gu & Dao, 2023). Checked against the official code
(state-spaces/mamba: \`ssd_minimal.py\`, \`mamba2_simple.py\`).
**Math:** per head h, with X_t = x_t W_x split into heads (the values), B_t = x_t W_B and
C_t = x_t W_C of size N (shared by all heads), Δ_t = softplus(x_t W_Δ + b_Δ)_h and
a_t = exp(Δ_t A_h), A_h = −exp(A_log_h):
h_t = a_t h_{t−1} + Δ_t B_t X_tᵀ, y_t = h_tᵀ C_t + D_h X_t, out = (y ⊙ SiLU(x W_z)) W_o.
The map is A_ts = (C_t · B_s) · Δ_s · ∏_{r=s+1..t} a_r for s ≤ t (0 above the diagonal), with D_h
added on the diagonal, so y = A·X exactly in every head.
Token t reads from an earlier token s as much as t's read key C_t matches s's write key B_s, times
how much s wrote (Δ_s), times everything that faded in between (the product of the decays a_r).
Rows are not distributions: entries can be negative and a row's total is not 1, so the views draw
magnitudes.
Left out from Mamba-2: the short causal convolution before the scan and the RMSNorm after the gate.
Mamba-2 rather than Mamba's S6: one scalar decay per head gives one exact map per head and a
chunked form made of matrix products; S6's per-channel decays need a sequential scan.
**Fast path (no T × T matrix):** the SSD chunked algorithm (Listing 1 of the paper) on chunks of
\`chunk\` tokens: a masked C × C quadratic form inside each chunk, each chunk's state, an n × n
matrix over the n = T / C chunks carrying the states forward, and the states read out by C_t.
ONNX ops: MatMul, CumSum, Exp, Log, Abs, Neg, Relu, Sigmoid, Mul, Add, Sub, Where,
GreaterOrEqual, Concat, Slice, Reshape, Transpose.

**Decoding:** constant state h (N × headDim per head), N·d floats per layer
(one token: h ← exp(Δ A) h + B (Δ X)ᵀ, y = C h + D X).
`,
  params: z.object({
    state: z.number().int().min(4).max(64).describe('N, state size shared by the heads').default(16),
    chunk: z.number().int().min(8).max(256).describe('tokens per chunk of the fast path').default(64),
  }),
  emit(ctx, x, p) {
    const { b, T } = ctx;
    const { X, gate, B, C, dt, logA, D, output } = projections(ctx, x, p.state);

    let y: Tensor; // [batch, H, T, P]
    let probs: Tensor | undefined;
    if (ctx.mode === 'inspect') {
      // A_ts = (C_t · B_s) Δ_s exp(cum_t − cum_s) for s ≤ t, + D_h on the diagonal, with
      // cum_t − cum_s = Σ_{s < r ≤ t} log a_r summed directly (segsum: a cumulative sum over t of
      // log a_r masked to r > s), never as a difference of two long running sums.
      const summands = b.where(lowerMask(ctx, T, 1), logA, b.scalar(0)); // [r, s]: log a_r where r > s, [batch, H, T, T]
      const seg = b.cumSum(summands, 2); // [t, s]: Σ_{s < r ≤ t} log a_r, [batch, H, T, T]
      const decay = maskedExp(ctx, causalMask(ctx), seg); // [batch, H, T, T]
      const cb = b.matmul(C, b.transpose(B, [0, 1, 3, 2])); // C_t · B_s, [batch, 1, T, T]
      const { rows, cols } = positionIndices(ctx);
      const eye = b.cast(b.equal(rows, cols), 'float32'); // [T, T]
      const map = b.add(b.mul(b.mul(cb, decay), b.transpose(dt, [0, 1, 3, 2])), b.mul(eye, D)); // [batch, H, T, T]
      probs = map;
      y = b.matmul(map, X);
    } else {
      y = b.add(ssdChunked(ctx, X, dt, logA, B, C, p.chunk), b.mul(X, D));
    }
    return { y: output(y, gate), probs };
  },
  decode: {
    state: (p, m) => [{ name: 'h', kind: 'recurrent', shape: () => [m.nHeads, p.state, m.dModel / m.nHeads], note: 'h = Σ_s (∏ a) B_s (Δ_s X_s)ᵀ per head' }],
    emit(ctx, x, p, state) {
      const { b } = ctx;
      const { X, gate, B, C, dt, logA, D, output } = projections(ctx, x, p.state); // T = 1
      const h = b.add(b.mul(state['h']!, b.exp(logA)), b.matmul(b.transpose(B, [0, 1, 3, 2]), b.mul(X, dt))); // a h + B (Δ X)ᵀ, [batch, H, N, P]
      const y = b.add(b.matmul(C, h), b.mul(X, D)); // C h + D X, [batch, H, 1, P]
      return { y: output(y, gate), next: { h } };
    },
  },
});

/**
 * The per-token quantities of x [batch, T, d]: values X [batch, H, T, P], gate z [batch, T, d],
 * B and C [batch, 1, T, N], Δ and log a = Δ A [batch, H, T, 1], D [1, H, 1, 1], and the output
 * (y ⊙ SiLU(z)) W_o of head outputs y [batch, H, T, P].
 */
function projections(ctx: BlockContext, x: Tensor, N: number) {
  const { b, T, dModel: d, nHeads: H } = ctx;
  const batch = ctx.B; // B is the paper's input matrix here
  const X = splitHeads(ctx, ctx.linear(x, d, d, 'x', { bias: false })); // [batch, H, T, P]
  const gate = ctx.linear(x, d, d, 'z', { bias: false }); // [batch, T, d]
  const B = b.reshape(ctx.linear(x, d, N, 'B', { bias: false }), [batch, 1, T, N]); // [batch, 1, T, N]
  const C = b.reshape(ctx.linear(x, d, N, 'C', { bias: false }), [batch, 1, T, N]); // [batch, 1, T, N]
  const dtBias = ctx.weight('dt_bias', [H], { kind: 'constant', value: -2 });
  const dtRaw = b.add(ctx.linear(x, d, H, 'dt', { bias: false }), dtBias); // [batch, T, H]
  const dt = b.reshape(b.transpose(softplus(ctx, dtRaw), [0, 2, 1]), [batch, H, T, 1]); // Δ [batch, H, T, 1]
  const aLog = ctx.weight('A_log', [H], { kind: 'normal', std: 1 });
  const A = b.reshape(b.neg(b.exp(aLog)), [1, H, 1, 1]); // A_h < 0
  const logA = b.mul(dt, A); // log a_t = Δ_t A_h, [batch, H, T, 1]
  const D = b.reshape(ctx.weight('D', [H], { kind: 'constant', value: 1 }), [1, H, 1, 1]);
  const output = (y: Tensor, z: Tensor) => ctx.linear(b.mul(mergeHeads(ctx, y), b.mul(z, b.sigmoid(z))), d, d, 'o', { bias: false }); // y ⊙ SiLU(z)
  return { X, gate, B, C, dt, logA, D, output };
}

/**
 * The SSD chunked algorithm (Listing 1 / ssd_minimal_discrete) without the D skip:
 * y_t = Σ_{s ≤ t} (C_t · B_s) exp(cum_t − cum_s) Δ_s X_s, linear in T for a fixed chunk size.
 * X [batch, H, T, P], dt and logA [batch, H, T, 1], B and C [batch, 1, T, N] → [batch, H, T, P].
 */
function ssdChunked(ctx: BlockContext, X: Tensor, dt: Tensor, logA: Tensor, B: Tensor, C: Tensor, chunk: number): Tensor {
  const { b, T } = ctx;
  const [batch, H, , P] = X.shape as [number, number, number, number];
  const N = B.shape[3]!;
  const Q = Math.min(chunk, T); // a chunk longer than the sequence is one chunk of T tokens
  const { n } = chunkLayout(T, Q);
  const xc = toChunks(ctx, b.mul(X, dt), Q); // Δ_s X_s, [batch, H, n, Q, P] (padding: 0)
  const la = toChunks(ctx, logA, Q); // [batch, H, n, Q, 1] (padding: log a = 0)
  const bc = toChunks(ctx, B, Q); // [batch, 1, n, Q, N]
  const cc = toChunks(ctx, C, Q); // [batch, 1, n, Q, N]
  const cum = b.cumSum(la, 3); // within-chunk cumulative log decay, [batch, H, n, Q, 1]

  // 1. Intra-chunk (diagonal blocks): (C_l · B_s) exp(cum_l − cum_s) for s ≤ l in the chunk.
  const seg = b.sub(cum, b.transpose(cum, [0, 1, 2, 4, 3])); // [batch, H, n, Q, Q]
  const L = maskedExp(ctx, lowerMask(ctx, Q, 0), seg);
  const cb = b.matmul(cc, b.transpose(bc, [0, 1, 2, 4, 3])); // [batch, 1, n, Q, Q]
  const yDiag = b.matmul(b.mul(cb, L), xc); // [batch, H, n, Q, P]
  if (n === 1) return fromChunks(ctx, yDiag, T);

  // 2. Each chunk's own contribution to the state at its end: Σ_s B_s exp(cum_last − cum_s) Δ_s X_sᵀ.
  const last = b.slice(cum, [3], [Q - 1], [Q]); // chunk totals, [batch, H, n, 1, 1]
  const states = b.matmul(b.transpose(bc, [0, 1, 2, 4, 3]), b.mul(xc, b.exp(b.sub(last, cum)))); // [batch, H, n, N, P]

  // 3. Inter-chunk recurrence: the state entering chunk z is
  //    Σ_{c < z} exp(Σ_{r=c+1..z−1} tot_r) · states_c. With u_r = tot_{r−1} (u_0 = 0) the exponent is
  //    Σ_{c+1 < r ≤ z} u_r: a masked cumulative sum over an n × n matrix (segsum, the stable form).
  const tot = b.reshape(last, [batch, H, n, 1]); // tot_r as a column over r
  const u = b.concat([b.constant('zero_total', 'float32', [batch, H, 1, 1], new Array(batch * H).fill(0)), b.slice(tot, [2], [0], [n - 1])], 2); // [batch, H, n, 1]
  const summands = b.where(lowerMask(ctx, n, 2), u, b.scalar(0)); // [r, c]: u_r where r ≥ c + 2, [batch, H, n, n]
  const decayChunks = maskedExp(ctx, lowerMask(ctx, n, 1), b.cumSum(summands, 2)); // [z, c], c < z; [batch, H, n, n]
  const entering = b.reshape(b.matmul(decayChunks, b.reshape(states, [batch, H, n, N * P])), [batch, H, n, N, P]);

  // 4. State → output: C_l · (exp(cum_l) · entering state).
  const yOff = b.mul(b.matmul(cc, entering), b.exp(cum)); // [batch, H, n, Q, P]
  return fromChunks(ctx, b.add(yDiag, yOff), T);
}
