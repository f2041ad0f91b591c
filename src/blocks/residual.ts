/**
 * One module (a mixer or feed-forward sub-block) added to the residual stream, with the layer's
 * norms where its placement puts them (Peri-LN paper's names):
 *
 *   pre:  base + F(N(input))
 *   post: N(base + F(input))
 *   peri: base + N_out(F(N_in(input)))
 *
 * `base` is the stream the result is added to and `input` what the module reads; they are the same
 * tensor except in the ladder topology, where the module reads the stream from one module earlier.
 *
 * In inspect mode every module also writes the probe `sim_<name>.<run>` [B, T]: the cosine
 * similarity, token by token, between the hidden state the module receives (`base`) and the one it
 * hands on (its result). "What Matters in Transformers? Not All Attention is Needed" (He et al.,
 * 2024) ranks modules by importance S = 1 − E_t[cos(X_t, Y_t)], X the module's input hidden state
 * and Y = X + F(N(X)) its output (the authors' code, layer_drop.py with drop_norm: the input of the
 * module's pre-norm, and that input plus the module's output); a module whose similarity is near 1
 * barely changes the stream and is the first to drop. The page averages the probe over tokens.
 */
import type { Tensor } from '../graph/ir';
import type { BlockContext, LayerParts, ResidualState } from './define';

/**
 * cos(a_t, c_t) = a_t · c_t / (‖a_t‖ ‖c_t‖) for each token t, over the model dimension:
 * [B, T, d] × [B, T, d] → [B, T]. A zero vector gives 0 (its norm is clipped at 1e-12).
 */
export function tokenCosine(ctx: BlockContext, a: Tensor, c: Tensor): Tensor {
  const { b } = ctx;
  const norm = (t: Tensor) => b.clip(b.sqrt(b.reduceSum(b.mul(t, t), [-1], false)), 1e-12);
  return b.div(b.reduceSum(b.mul(a, c), [-1], false), b.mul(norm(a), norm(c)));
}

/**
 * Writes the similarity probe of module `name` in inspect mode: cos(input hidden state, output
 * hidden state). `after` is only built then, so the fast graph has no trace of it.
 */
export function similarityProbe(ctx: BlockContext, name: string, before: Tensor, after: () => Tensor): void {
  if (ctx.mode === 'inspect') ctx.probe(`sim_${name}`, ctx.b.scope('probes', () => tokenCosine(ctx, before, after())));
}

/** base ⊕ F(input), wired by placement; `name` is "mixer" or "ffn" (it names the norm weights). */
export function residualModule(ctx: BlockContext, parts: LayerParts, name: string, base: Tensor, input: Tensor, f: (u: Tensor) => Tensor): Tensor {
  const { b } = ctx;
  const out = (() => {
    switch (parts.placement) {
      case 'pre': return b.add(base, f(parts.norm(`norm_${name}`, input)));
      case 'post': return parts.norm(`norm_${name}`, b.add(base, f(input)));
      case 'peri': return b.add(base, parts.norm(`norm_${name}_out`, f(parts.norm(`norm_${name}`, input))));
    }
  })();
  similarityProbe(ctx, name, base, () => out);
  return out;
}

/** The layer's modules in order, a dropped or absent one left out: [name, F]. */
export function modulesOf(parts: LayerParts): [string, (u: Tensor) => Tensor][] {
  const all: [string, ((u: Tensor) => Tensor) | null][] = [['mixer', parts.mixer], ['ffn', parts.ffn]];
  return all.filter((m): m is [string, (u: Tensor) => Tensor] => m[1] !== null);
}

/**
 * Runs the layer's modules one after another from `state`; each module reads `read(state)` (the
 * latest stream, or the one a module earlier) and adds to the latest. A module that is not there
 * (dropped, or "none") is skipped with its norms and its residual add, so the stream goes on as if
 * the layer never had it.
 */
export function chainModules(ctx: BlockContext, parts: LayerParts, state: ResidualState, read: (s: ResidualState) => Tensor): ResidualState {
  return modulesOf(parts).reduce<ResidualState>((s, [name, f]) => ({ x: residualModule(ctx, parts, name, s.x, read(s), f), prev: s.x }), state);
}
