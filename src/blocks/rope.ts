/**
 * RoPE: rotary position embedding of queries and keys, with the context-extension scalings.
 * Paper: "RoFormer: Enhanced Transformer with Rotary Position Embedding" (Su et al., 2021).
 *
 * The first d_rot dimensions of each query and key head are taken as consecutive pairs
 * (x_{2i}, x_{2i+1}), i = 0 … d_rot/2 − 1, and the pair at position t is rotated by the angle
 * t·θ_i with θ_i = base^(−2i/d_rot):
 *
 *   x'_{2i}   = x_{2i} cos(tθ_i) − x_{2i+1} sin(tθ_i)
 *   x'_{2i+1} = x_{2i} sin(tθ_i) + x_{2i+1} cos(tθ_i)
 *
 * which is the paper's block-diagonal R^d_{Θ,t} (its eq. 15, θ_i = 10000^(−2(i−1)/d) for 1-based i)
 * written in the paper's own efficient form (its eq. 34):
 *
 *   R x = x ⊗ cos(tθ) + (−x₁, x₀, −x₃, x₂, …) ⊗ sin(tθ).
 *
 * This is the paper's interleaved pairing. Many libraries (GPT-NeoX, LLaMA in Hugging Face) pair
 * x_i with x_{i+d/2} instead ("rotate half"); that is the same rotation of a permuted basis, equal
 * only up to a fixed reshuffling of the projection weights, and it is not what is computed here.
 * d_rot = 2·min(⌊hd/2⌋, round(fraction·hd/2)); the remaining hd − d_rot dimensions pass unchanged
 * (partial rotary, as in GPT-NeoX's rotary_pct). Because R_s ᵀ R_t = R_{t−s}, q_s · k_t depends on the
 * positions only through t − s.
 *
 * Scalings for running a model beyond the length it was trained at (`scaling`, factor s):
 *  - 'pi', position interpolation ("Extending Context Window of Large Language Models via Positional
 *    Interpolation", Chen et al., 2023): position t becomes t/s, so s times more tokens fit in the
 *    trained angle range (as Hugging Face's LlamaLinearScalingRotaryEmbedding: t = arange / factor).
 *  - 'ntk', NTK-aware base scaling (bloc97, 2023; formalised in YaRN, Peng et al., 2023): the base
 *    becomes base' = base·s^(d_rot/(d_rot−2)), which leaves θ_0 = 1 (the fastest pair, local order)
 *    as it is and divides the slowest θ by exactly s (θ_last = base'^(−(d_rot−2)/d_rot) = θ_last / s).
 *  - 'clex', CLEX ("CLEX: Continuous Length Extrapolation for Large Language Models", Chen et al.,
 *    2024). Checked against the authors' code (DAMO-NLP-SG/CLEX, CLEX/clex_layer.py: ODELinear and
 *    LlamaCLEXScalingRotaryEmbedding). The log-frequencies z = log θ at scale t follow the ODE
 *      dz/dτ = tanh((z + log θ^ntk(τ)) W_up) W_down + d/dτ log θ^ntk(τ),   z(1) = log θ,
 *    where θ^ntk(τ) are the NTK-scaled frequencies with α(τ) = 2τ − 1 in place of s:
 *      log θ^ntk_i(τ) = −(2i/d_rot) log base − (2i/(d_rot−2)) log α(τ),
 *      d/dτ log θ^ntk_i(τ) = −(4i/(d_rot−2)) / α(τ)
 *    (the code's get_time_embedding returns the derivative of θ^ntk and ODELinear divides it by θ^ntk;
 *    it also adds log θ^ntk(τ) to the state before the MLP, as written above). W_up [d_rot/2, w·d_rot]
 *    is drawn with the variance of PyTorch's kaiming_uniform_(a = √5) (bound 1/√(w·d_rot)); W_down
 *    starts at 0, so an untrained CLEX is exactly NTK scaling with α = 2t − 1 (up to the solver's
 *    error): the MLP learns a correction. The ODE is solved by torchdiffeq's fixed-step 'rk4' method
 *    (the code's ode_args), which is the 3/8 rule (rk4_alt_step_func):
 *      k1 = f(τ, z), k2 = f(τ + h/3, z + h k1/3), k3 = f(τ + 2h/3, z + h (k2 − k1/3)),
 *      k4 = f(τ + h, z + h (k1 − k2 + k3)),   z ← z + h (k1 + 3 k2 + 3 k3 + k4)/8,
 *    with h = 1/`clexSteps` (the authors use time_dt = 0.01; fewer steps keep the graph small).
 *    The scale at inference is the code's: t = ⌈T / trainedLength⌉, at most `factor` (max_factor),
 *    and positions are not interpolated (0 … T − 1) — only the frequencies change. At t = 1 it is
 *    plain RoPE. One ODE (W_up, W_down under "position") is shared by every layer, as the code's
 *    LlamaModel holds one clex_layer. What is not built: the authors' training procedure, which samples
 *    a random t ∈ [1, max_factor] and random sorted positions from [0, t·L) at every step (the
 *    "continuous length extrapolation" training). Here the ODE is an ordinary part of the graph:
 *    training a graph longer than trainedLength (t > 1) trains W_up and W_down through the solver,
 *    at that one t.
 *
 * The graph is exact and static: for none, pi and ntk, cos and sin are constant tables [T, d_rot/2]
 * computed here; for clex (t > 1) they are computed in the graph from the ODE's weights (MatMul,
 * Tanh, Exp, Sin, Cos). Either way they are emitted once per graph and shared by every query and
 * key of every layer.
 */
import { z } from 'zod';
import type { GraphBuilder } from '../graph/builder';
import type { Tensor } from '../graph/ir';
import type { BlockContext } from './define';
import { defineBlock } from './define';

/** How many (x_{2i}, x_{2i+1}) pairs of a head of size hd are rotated. */
export function rotatedPairs(hd: number, fraction: number): number {
  return Math.min(Math.floor(hd / 2), Math.round((fraction * hd) / 2));
}

export const SCALINGS = ['none', 'pi', 'ntk', 'clex'] as const;
export type Scaling = (typeof SCALINGS)[number];

/** θ_i = base^(−2i/d_rot) for the `pairs` rotated pairs. */
export const ropeFrequencies = (pairs: number, base: number): number[] => Array.from({ length: pairs }, (_, i) => base ** ((-2 * i) / (2 * pairs)));

/** CLEX's scale for a graph of T tokens, as its inference code picks it: ⌈T / L⌉, between 1 and `factor`. */
export const clexTime = (T: number, trainedLength: number, factor: number): number => Math.max(1, Math.min(factor, Math.ceil(T / trainedLength)));

/** cos and sin tables [T, pairs], one per graph and setting. */
const tables = new WeakMap<GraphBuilder, Map<string, { cos: Tensor; sin: Tensor }>>();

function cached(b: GraphBuilder, key: string, make: () => { cos: Tensor; sin: Tensor }): { cos: Tensor; sin: Tensor } {
  const known = tables.get(b) ?? new Map<string, { cos: Tensor; sin: Tensor }>();
  tables.set(b, known);
  const hit = known.get(key) ?? make();
  known.set(key, hit);
  return hit;
}

/** Constant cos and sin of the angles (t·scale)·freq_i, [T, pairs], emitted once per graph. */
export function angleTables(b: GraphBuilder, hint: string, T: number, freqs: number[], scale = 1): { cos: Tensor; sin: Tensor } {
  return cached(b, `${hint}/${T}/${freqs.join(',')}/${scale}`, () => {
    const angles = Array.from({ length: T }, (_, t) => freqs.map((f) => t * scale * f)).flat();
    return {
      cos: b.constant(`${hint}_cos`, 'float32', [T, freqs.length], angles.map(Math.cos)),
      sin: b.constant(`${hint}_sin`, 'float32', [T, freqs.length], angles.map(Math.sin)),
    };
  });
}

/**
 * Rotates the pairs (x_{2i}, x_{2i+1}), i < pairs, of x [B, H, T, hd] by the angles whose cos and
 * sin are [T, pairs]; the dimensions after 2·pairs pass unchanged.
 */
export function rotatePairs(b: GraphBuilder, x: Tensor, cos: Tensor, sin: Tensor): Tensor {
  const [B, H, T, hd] = x.shape as [number, number, number, number];
  const pairs = cos.shape[1]!;
  const dRot = 2 * pairs;
  const head = dRot === hd ? x : b.slice(x, [3], [0], [dRot]); // [B, H, T, dRot]
  const asPairs = b.reshape(head, [B, H, T, pairs, 2]); // last axis: (x_{2i}, x_{2i+1})
  const even = b.slice(asPairs, [4], [0], [1]); // [B, H, T, pairs, 1]: x_{2i}
  const odd = b.slice(asPairs, [4], [1], [2]); // [B, H, T, pairs, 1]: x_{2i+1}
  const c = b.reshape(cos, [T, pairs, 1]);
  const s = b.reshape(sin, [T, pairs, 1]);
  const x0 = b.sub(b.mul(even, c), b.mul(odd, s)); // x_{2i} cos − x_{2i+1} sin
  const x1 = b.add(b.mul(even, s), b.mul(odd, c)); // x_{2i} sin + x_{2i+1} cos
  const rotated = b.reshape(b.concat([x0, x1], 4), [B, H, T, dRot]);
  return dRot === hd ? rotated : b.concat([rotated, b.slice(x, [3], [dRot], [hd])], 3); // [B, H, T, hd]
}

/** The CLEX ODE's right-hand side pieces at time τ, per pair: log θ^ntk_i(τ) and its τ-derivative. */
export function ntkLogFrequency(pairs: number, base: number, tau: number): { log: number[]; rate: number[] } {
  const d = 2 * pairs;
  const alpha = tau < 1 ? 1 : 2 * tau - 1;
  return {
    log: Array.from({ length: pairs }, (_, i) => ((-2 * i) / d) * Math.log(base) - ((2 * i) / (d - 2)) * Math.log(alpha)),
    rate: Array.from({ length: pairs }, (_, i) => (tau < 1 ? 0 : (-4 * i) / (d - 2) / alpha)),
  };
}

interface ScalingParams {
  base: number;
  scaling: Scaling;
  factor: number;
  trainedLength: number;
  clexSteps: number;
  clexWidth: number;
}

/** CLEX's frequencies θ(t) = exp(z(t)) [1, pairs] at t = 1 … tMax, z solved in the graph by the
 *  3/8-rule RK4 along one trajectory (entry t − 1 is θ(t)). */
function clexTrajectory(ctx: BlockContext, pairs: number, p: ScalingParams, tMax: number): Tensor[] {
  const { b } = ctx;
  const d = 2 * pairs;
  const hidden = p.clexWidth * d;
  const up = ctx.weight('clex_up', [pairs, hidden], { kind: 'normal', std: 1 / Math.sqrt(3 * hidden) });
  const down = ctx.weight('clex_down', [hidden, pairs], { kind: 'constant', value: 0 });
  const row = (name: string, v: number[]) => b.constant(name, 'float32', [1, pairs], v);
  const f = (tau: number, z: Tensor) => {
    const ntk = ntkLogFrequency(pairs, p.base, tau);
    const act = b.tanh(b.matmul(b.add(z, row('clex_ntk_log', ntk.log)), up)); // [1, hidden]
    return b.add(b.matmul(act, down), row('clex_ntk_rate', ntk.rate)); // [1, pairs]: dz/dτ
  };
  const h = 1 / p.clexSteps;
  const scaled = (k: Tensor, c: number) => b.mul(k, b.scalar(c));
  let z = row('clex_log_theta', ropeFrequencies(pairs, p.base).map(Math.log)); // z(1) = log θ
  const out = [b.exp(z)];
  for (let n = 0; n < (tMax - 1) * p.clexSteps; n++) {
    const tau = 1 + n * h;
    const k1 = f(tau, z);
    const k2 = f(tau + h / 3, b.add(z, scaled(k1, h / 3)));
    const k3 = f(tau + (2 * h) / 3, b.add(z, scaled(b.sub(k2, scaled(k1, 1 / 3)), h)));
    const k4 = f(tau + h, b.add(z, scaled(b.add(b.sub(k1, k2), k3), h)));
    z = b.add(z, scaled(b.add(b.add(k1, scaled(b.add(k2, k3), 3)), k4), h / 8));
    if ((n + 1) % p.clexSteps === 0) out.push(b.exp(z));
  }
  return out;
}

/** CLEX's frequencies θ(t) [1, pairs] at a whole t. */
const clexFrequencies = (ctx: BlockContext, pairs: number, p: ScalingParams, t: number): Tensor => clexTrajectory(ctx, pairs, p, t)[t - 1]!;

/**
 * The frequencies [1, pairs] of a graph whose length is only known in the graph (a decode step: the
 * text so far is position + 1 tokens long): for CLEX, θ(t) at t = min(s, max(1, ⌈length / L⌉)), picked
 * from the trajectory; for the other scalings, constants.
 */
function frequenciesAt(ctx: BlockContext, pairs: number, p: ScalingParams, length: Tensor): { freqs: Tensor; scale: number } {
  const { b } = ctx;
  const constant = (v: number[]) => b.constant('rope_freqs', 'float32', [1, pairs], v);
  const theta = ropeFrequencies(pairs, p.base);
  switch (p.scaling) {
    case 'none':
      return { freqs: constant(theta), scale: 1 };
    case 'pi':
      return { freqs: constant(theta), scale: 1 / p.factor };
    case 'ntk':
      return { freqs: constant(ropeFrequencies(pairs, p.base * p.factor ** (2 * pairs / (2 * pairs - 2)))), scale: 1 };
    case 'clex': {
      const table = b.concat(clexTrajectory(ctx, pairs, p, p.factor), 0); // [s, pairs]: θ(1) … θ(s)
      const t = b.clip(b.neg(b.floor(b.neg(b.div(length, b.scalar(p.trainedLength))))), 1, p.factor); // ⌈length / L⌉ in [1, s]
      const row = b.cast(b.sub(t, b.scalar(1)), 'int64'); // [1]
      return { freqs: b.gather(table, row), scale: 1 }; // [1, pairs]
    }
  }
}

/** cos and sin [T, pairs] of the rotation angles under the chosen scaling. */
function rotationTables(ctx: BlockContext, pairs: number, p: ScalingParams): { cos: Tensor; sin: Tensor } {
  const { b, T } = ctx;
  const theta = ropeFrequencies(pairs, p.base);
  switch (p.scaling) {
    case 'none':
      return angleTables(b, 'rope', T, theta);
    case 'pi':
      return angleTables(b, 'rope', T, theta, 1 / p.factor); // position t → t/s
    case 'ntk':
      return angleTables(b, 'rope', T, ropeFrequencies(pairs, p.base * p.factor ** (2 * pairs / (2 * pairs - 2)))); // base' = base·s^(d/(d−2))
    case 'clex': {
      const t = clexTime(T, p.trainedLength, p.factor);
      if (t === 1) return angleTables(b, 'rope', T, theta);
      return cached(b, `clex/${T}/${pairs}/${p.base}/${t}`, () => {
        const freqs = clexFrequencies(ctx, pairs, p, t); // [1, pairs]
        const positions = b.constant('clex_positions', 'float32', [T, 1], Array.from({ length: T }, (_, i) => i));
        const angles = b.mul(positions, freqs); // [T, pairs]: t·θ_i(t)
        return { cos: b.cos(angles), sin: b.sin(angles) };
      });
    }
  }
}

export default defineBlock({
  kind: 'rope',
  slot: 'position',
  title: 'RoPE (rotary positions)',
  paper: 'RoFormer: Enhanced Transformer with Rotary Position Embedding',
  explanation:
    'Instead of adding anything to the embeddings, RoPE turns each query and key before they are ' +
    'compared. Their dimensions are taken two at a time as points in a plane, and the point of a ' +
    'token at position t is rotated by t times an angle that is large for the first pair and smaller ' +
    'for each later one (set by the base θ). Rotating both the query and the key means their dot ' +
    'product only sees the difference of the angles, so attention scores depend on how far apart two ' +
    'tokens are, not on where they stand. Fraction < 1 rotates only the first part of each head. ' +
    'Scaling stretches the rotation for texts longer than the model was trained on: position ' +
    'interpolation slows every angle by the factor s, NTK-aware scaling raises the base so that only ' +
    'the slow pairs slow down, and CLEX learns how the angles should change with the length.',
  doc: `
**Paper:** *RoFormer: Enhanced Transformer with Rotary Position Embedding* (Su et al., 2021).
Scalings: *Extending Context Window of Large Language Models via Positional Interpolation* (Chen
et al., 2023); NTK-aware scaling (bloc97, 2023; as formalised in *YaRN*, Peng et al., 2023); *CLEX:
Continuous Length Extrapolation for Large Language Models* (Chen et al., 2024), checked against the
authors' code (DAMO-NLP-SG/CLEX, clex_layer.py).

**Math:** the first d_rot = 2·min(⌊hd/2⌋, round(fraction·hd/2)) dimensions of each query and key
head form consecutive pairs (x_{2i}, x_{2i+1}), rotated at position t by the angle t·θ_i with
θ_i = base^(−2i/d_rot):

x'_{2i} = x_{2i} cos(tθ_i) − x_{2i+1} sin(tθ_i),  x'_{2i+1} = x_{2i} sin(tθ_i) + x_{2i+1} cos(tθ_i).

The other hd − d_rot dimensions are unchanged. Since R_sᵀ R_t = R_{t−s}, q_s · k_t depends on the
positions only through t − s. This is the paper's interleaved pairing (its eq. 15 and the efficient
form of eq. 34, R x = x ⊗ cos + (−x₁, x₀, −x₃, x₂, …) ⊗ sin); many libraries (GPT-NeoX, Hugging
Face LLaMA) use the "rotate half" pairing (x_i, x_{i+d/2}) instead, which is the same rotation in a
permuted basis. The graph uses cos/sin tables [T, d_rot/2], emitted once and shared by every layer.

**Scaling** (\`scaling\`, factor s = \`factor\`):
- \`pi\` (position interpolation): t → t/s in every angle.
- \`ntk\` (NTK-aware): base' = base·s^(d_rot/(d_rot−2)); θ_0 = 1 stays, the slowest θ is divided by s.
- \`clex\`: the log-frequencies z = log θ follow the ODE
  dz/dτ = tanh((z + log θ^ntk(τ)) W_up) W_down + d/dτ log θ^ntk(τ), z(1) = log θ, where θ^ntk(τ) is
  NTK scaling with α = 2τ − 1 in place of s (log θ^ntk_i = −(2i/d_rot) log base − (2i/(d_rot−2)) log α).
  W_up [d_rot/2, w·d_rot] (w = \`clexWidth\`) and W_down [w·d_rot, d_rot/2] are learned, shared by all
  layers; W_down starts at 0, so untrained CLEX equals NTK scaling with α = 2t − 1. Solved by
  torchdiffeq's fixed-step rk4 (the 3/8 rule), \`clexSteps\` steps per unit of τ (the authors: 100).
  At length T the scale is the authors' inference rule t = min(s, ⌈T / \`trainedLength\`⌉); positions
  stay 0 … T − 1. t = 1 is plain RoPE. **Not built:** the authors' training recipe (a random t and
  random sorted positions from [0, t·L) every step); here the ODE's weights train through the solver
  only when a graph is longer than \`trainedLength\`, at that graph's t.

Instead of adding anything to the embeddings, RoPE turns each query and key before they are
compared. Their dimensions are taken two at a time as points in a plane, and the point of a token
at position t is rotated by t times an angle that is large for the first pair and smaller for each
later one (the base θ sets how much smaller). Rotating both the query and the key means their dot
product only sees the difference of the two angles, so attention scores depend on how far apart
two tokens are, not on where they stand. \`fraction\` < 1 rotates only the first part of each head
and leaves the rest position-free. A model trained on short texts has only seen small angles for
its slow pairs; the scalings keep the angles of longer texts within that range: interpolation by
slowing every pair, NTK-aware scaling by slowing mostly the slow pairs (nearby order stays sharp),
and CLEX by learning, as a continuous function of the length factor, how each pair should slow.
`,
  params: z.object({
    base: z.number().min(100).max(1000000).default(10000),
    fraction: z.number().min(0.25).max(1).default(1),
    scaling: z.enum(SCALINGS).default('none'),
    factor: z.number().min(1).max(32).describe('s (pi, ntk); largest t (clex, whole)').default(4),
    trainedLength: z.number().int().min(1).max(65536).describe('L, tokens trained at (clex)').default(128),
    clexSteps: z.number().int().min(1).max(20).describe('RK4 steps per unit of t (clex)').default(4),
    clexWidth: z.number().int().min(1).max(4).describe('MLP width ÷ d_rot (clex)').default(1),
  }),
  check: (p, model) => {
    const hd = model.dModel / model.nHeads;
    const pairs = rotatedPairs(hd, p.fraction);
    if (pairs === 0) return `fraction ${p.fraction} rotates no dimension of a head of size ${hd}; raise it or use fewer heads`;
    if ((p.scaling === 'ntk' || p.scaling === 'clex') && pairs < 2) {
      return `scaling "${p.scaling}" needs at least 2 rotated pairs (its exponent divides by d_rot − 2), got ${pairs}; raise fraction or use fewer heads`;
    }
    if (p.scaling === 'clex' && !Number.isInteger(p.factor)) return `scaling "clex" takes a whole largest scale t as its factor, got ${p.factor}`;
    return null;
  },
  emit: {
    rotate(ctx, x, p) {
      const pairs = rotatedPairs(x.shape[3]!, p.fraction); // x [B, H, T, hd]
      if (pairs === 0) return x;
      const { cos, sin } = rotationTables(ctx, pairs, p); // [T, pairs] each
      return rotatePairs(ctx.b, x, cos, sin);
    },
    rotateAt(ctx, x, p, positions) {
      const pairs = rotatedPairs(x.shape[3]!, p.fraction); // x [B, H, n, hd]
      if (pairs === 0) return x;
      const { b } = ctx;
      const n = positions.shape[0]!;
      // The text's length: a decode step's position + 1, or the graph's T.
      const length = ctx.decode ? b.add(ctx.decode.position, b.scalar(1)) : b.constant('rope_length', 'float32', [1], [ctx.T]);
      const { freqs, scale } = frequenciesAt(ctx, pairs, p, length);
      const angles = b.mul(b.reshape(scale === 1 ? positions : b.mul(positions, b.scalar(scale)), [n, 1]), freqs); // [n, pairs]
      return rotatePairs(b, x, b.cos(angles), b.sin(angles));
    },
  },
});
