/**
 * spec → graph: embeddings, positions, the layer stack with its norm placement, the unembedding,
 * and in inspect mode the probe outputs the views read (see docs/graph-outputs.md).
 *
 * Residual wiring per layer (Peri-LN paper's names):
 *   pre:  h = x + F(N(x))            final norm before the unembedding
 *   post: h = N(x + F(x))            no final norm (the stream is already normalised)
 *   peri: h = x + N_out(F(N_in(x)))  final norm before the unembedding
 *
 * Every block is emitted inside a scope ("layer 1 · mixer: softmax_attention") that shape errors
 * name and the cost model groups by.
 */
import type { Block, BlockContext, LayerParts, Mode, ResidualState, Slot } from '../blocks/define';
import { findBlock } from '../blocks/registry';
import { GraphBuilder } from '../graph/builder';
import { spectralNorm } from '../graph/spectral';
import { liftWeights } from '../graph/lift';
import { foldAffines } from '../graph/fold';
import type { Graph, Tensor } from '../graph/ir';
import { mapSources } from '../spec/mapSharing';
import { layerSchedule, runName } from '../spec/schedule';
import { validateSpec } from '../spec/schema';
import type { BlockRef, Spec } from '../spec/types';
import { VOCAB_SIZE } from '../spec/vocab';
import { ERROR } from '../spec/errors';
import { decodeFormOf, stackProblem } from '../decode/forms';
import { genericDecode, genericState } from '../decode/generic';
import { REDUCE_HIDDEN, REDUCE_INPUT, REDUCE_STREAM, reducedPositions, reduceProblems, reduceStream, type ReduceOption } from './reduce';

/** What to build: the sequence length, the mode and the batch size. */
export interface CompileOptions {
  /** The sequence length; in a decode graph, the cache capacity C (the most tokens it holds). */
  T: number;
  mode: Mode;
  /** Sequences run side by side (static, default 1): tokens [B, T], logits [B, T, V]. Inference graphs use 1. */
  batch?: number;
  /**
   * σReparam's ‖W‖₂: 'exact' (default) bakes it in, computed from the weights when the graph is
   * written; 'power' computes it in the graph by one power iteration from a persistent vector
   * (the paper's training form), fed as the input sigma_u.<weight> and returned as
   * next.sigma_u.<weight>. Training graphs use 'power': their weights change every step.
   */
  spectral?: 'exact' | 'power';
  /**
   * 'baked' (the default): every weight is an initialiser. 'inputs': every trainable weight is a
   * graph input under its name (docs/weights.md), fed by the caller, so one session serves any
   * values of them; constants stay initialisers (`graph/lift.ts`). Refused with σReparam, whose
   * σ is computed from the drawn weights when the graph is serialised.
   */
  weights?: 'baked' | 'inputs';
  /**
   * Adds the output `aux_loss` (float32 []): the sum of the auxiliary losses blocks declare (MoE's
   * load balancing), when any block declares one. Training graphs set it; inference graphs do not.
   */
  auxLosses?: boolean;
  /**
   * The forward pass of a training step: blocks that train differently from how they infer get
   * ctx.training (BatchNorm's batch statistics, SLAB's schedule, MatFormer's granularity per step).
   * The graph then takes the input `step` (float32 [], from 1) and returns next.<name> for each
   * running statistic a block keeps. Off for inference, evaluation and the gradient check.
   */
  training?: boolean;
  /**
   * Fold the per-feature affine maps blocks mark (BatchNorm at inference) into the linear layers
   * that read them (graph/fold.ts). Default: on for fast graphs that are not training graphs.
   */
  fold?: boolean;
  /** Decode graphs: add attn_row.<r> [B, H, 1, slots], each cache mixer's weights over its slots this step. */
  rows?: boolean;
  /** Decode graphs: add the input keep.<r> [B, H, slots] (1 keep, 0 evicted) to each cache mixer (the eviction re-run). */
  evict?: boolean;
  /**
   * Decode graphs: add the inputs keypos.<r> [slots] and querypos.<r> [1], the positions each cache
   * mixer rotates / biases its keys and query at, in place of the slots' text positions (StreamingLLM's
   * positions within the cache, for the eviction re-run). Absolute position embeddings at the input
   * still take the token's text position.
   */
  cachePositions?: boolean;
  /**
   * Token reduction (src/compiler/reduce.ts): after layer run `afterRun` the stream becomes R·X,
   * R the input `reduce` [B, keep, T], and the later runs run at T′ = keep, their positions R·p
   * (positions inside attention through rotateAt / biasAt). Adds the outputs `reduce.x` (the
   * stream at the cut) and `hidden` (what the unembedding reads). Bidirectional models only;
   * inspect mode only with keep = T.
   */
  reduce?: ReduceOption;
}

/** A spec that cannot be compiled, with every reason. */
export class SpecError extends Error {
  constructor(readonly errors: string[]) {
    super(errors.join('\n'));
    this.name = ERROR.SpecError;
  }
}

/** Root-mean-square over the model dimension: [B, T, d] → [B, T]. */
function rms(b: GraphBuilder, x: Tensor): Tensor {
  return b.sqrt(b.reduceMean(b.mul(x, x), [-1], false));
}

/**
 * Entropy in nats of each row of a map: [B, H, T, T] → [B, H, T]; 0·log 0 counts as 0. The row is
 * first read as a distribution p = |A| / Σ|A|: for attention rows (non-negative, summing to 1) that
 * is the row itself; for the signed implicit maps of attention-free mixers it is the share of each
 * key in the row's total absolute influence.
 */
function rowEntropy(b: GraphBuilder, a: Tensor): Tensor {
  const abs = b.abs(a);
  const p = b.div(abs, b.clip(b.reduceSum(abs, [-1], true), 1e-30));
  const logp = b.log(b.clip(p, 1e-30));
  return b.neg(b.reduceSum(b.mul(p, logp), [-1], false));
}

/** The name of the persistent power-iteration vector of weight `name` (σReparam in training graphs). */
export const sigmaStateName = (name: string): string => `sigma_u.${name}`;

/**
 * ‖W‖₂ of W [in, out] by one power iteration from the persistent left vector u (σReparam, Zhai et
 * al. 2023, as torch's spectral_norm does it): v = Wᵀu / ‖Wᵀu‖, u′ = Wv / ‖Wv‖, σ = u′ᵀ W v. u′ and v
 * are detached, so the gradient of σ is u′ vᵀ, exact once u has converged. u′ is returned as
 * next.sigma_u.<name> for the next step. A weight shared by looped layers is iterated once.
 */
function powerSigma(b: GraphBuilder, w: Tensor, state: Map<string, Tensor>): Tensor {
  const known = state.get(w.name);
  if (known) return known;
  const rows = w.shape[0]!;
  const unit = (x: Tensor) => b.div(x, b.sqrt(b.add(b.reduceSum(b.mul(x, x), [0, 1], true), b.scalar(1e-24))));
  const u = b.input(sigmaStateName(w.name), 'float32', [rows]);
  const v = b.detach(unit(b.matmul(b.reshape(u, [1, rows]), w))); // [1, out]
  const u2 = b.detach(unit(b.matmul(w, b.transpose(v, [1, 0])))); // [in, 1]
  const sigma = b.reduceSum(b.mul(b.matmul(b.transpose(u2, [1, 0]), w), v), [0, 1], false);
  b.output(b.reshape(u2, [rows]), `next.${sigmaStateName(w.name)}`);
  state.set(w.name, sigma);
  return sigma;
}

/** Builds the graph of `rawSpec` at sequence length `opts.T` and batch `opts.batch`. Throws SpecError or ShapeError. */
export function compile(rawSpec: Spec, opts: CompileOptions): Graph {
  const checked = validateSpec(rawSpec);
  if (!checked.ok) throw new SpecError(checked.errors);
  const spec = checked.spec;
  if (opts.weights === 'inputs' && spec.sigmaReparam.enabled && opts.spectral !== 'power') {
    throw new SpecError(["weights: 'inputs' with σReparam needs spectral 'power': with 'exact', σ = ‖W‖₂ is a constant computed from the seed's drawn weights, so other weights fed in would be scaled by a stale σ. Compile with weights 'baked', or with spectral 'power' and feed sigma_u."]);
  }
  if (!Number.isInteger(opts.T) || opts.T < 1 || opts.T > spec.maxLen) {
    throw new SpecError([`T: the sequence length must be a whole number from 1 to maxLen (${spec.maxLen}), got ${opts.T}`]);
  }
  const B = opts.batch ?? 1;
  if (!Number.isInteger(B) || B < 1) throw new SpecError([`batch: the batch size must be a whole number of at least 1, got ${opts.batch}`]);
  const { T: requested, mode } = opts;
  // A decode graph runs one token (T = 1 for every block) against a cache of capacity C.
  const decoding = mode === 'decode';
  const C = requested;
  let T = decoding ? 1 : requested; // T′ after a token reduction
  if (opts.reduce) {
    const problems = reduceProblems(spec, T, opts.reduce, B);
    if (mode !== 'fast' && opts.reduce.keep !== T) problems.push(`reduce: an ${mode} graph cannot be reduced (an inspect graph stacks per-token probes of every layer; only keep = T, R = I, is taken there); reduce a fast graph`);
    if (decoding) problems.push('reduce: a decode graph runs one token at a time; token reduction is for bidirectional models');
    if (problems.length) throw new SpecError(problems);
  }
  const b = new GraphBuilder(`playground_${mode}_${decoding ? `C${C}` : `T${T}`}${B === 1 ? '' : `_B${B}`}`, spec.seed);
  const sigmaState = new Map<string, Tensor>();
  const spectral = opts.spectral ?? 'exact';
  const auxLosses: Tensor[] = [];
  const inspect = mode === 'inspect';
  // A training step's forward pass: the step number as an input (made once, when a block asks),
  // and the running statistics' next values as outputs.
  // A statistic shared by looped layers is updated by its first pass only.
  let stepInput: Tensor | undefined;
  const updated = new Set<string>();
  const training: BlockContext['training'] = opts.training
    ? {
        step: () => (stepInput ??= b.input('step', 'float32', [])),
        update: (stat, next) => {
          if (updated.has(stat.name)) return;
          updated.add(stat.name);
          b.scope('statistics', () => b.output(next, `next.${stat.name}`));
        },
      }
    : undefined;

  const position = findBlock('position', spec.position.kind)!;
  const positionParams = spec.position.params;
  let layerIndex = -1;
  let bias: Tensor | null | undefined; // the same in every layer: emitted once
  const runs = layerSchedule(spec);
  const runInfo = runs.map((run) => ({ layer: run.layer, name: runName(run) }));
  // Each run's attention probabilities as its mixer returned them (both modes), for mixers that
  // reuse an earlier layer's map (EchoAtt: BlockContext.earlierProbs).
  const probsByRun = new Map<number, Tensor>();
  // A run whose map a later run copies is emitted in its inspect form in both modes: the copy needs
  // the map as a matrix, which a fast path (chunked, sparse) may never build. Both forms give the same y.
  const copiedRuns = new Set(mapSources(spec).filter((s): s is number => s !== null));
  // A decode step's position, float32 [1], and what every block of a decode graph may read.
  const stack = decoding ? stackProblem(spec) : null;
  if (stack) throw new SpecError([`This model cannot decode token by token: ${stack}`]);
  const decode: BlockContext['decode'] = decoding
    ? {
        position: b.input('position', 'float32', [1]),
        capacity: C,
        ...(opts.evict ? { keep: (slots: number) => b.inputNamed(`keep.${layerIndex}`) ?? b.input(`keep.${layerIndex}`, 'float32', [B, spec.nHeads, slots]) } : {}),
        ...(opts.cachePositions
          ? {
              cachePositions: (slots: number) => ({
                keys: b.inputNamed(`keypos.${layerIndex}`) ?? b.input(`keypos.${layerIndex}`, 'float32', [slots]),
                query: b.inputNamed(`querypos.${layerIndex}`) ?? b.input(`querypos.${layerIndex}`, 'float32', [1]),
              }),
            }
          : {}),
      }
    : undefined;
  // The positions of the tokens after a token reduction (float32 [T′]), set at the cut.
  let cutPositions: Tensor | null = null;
  const arange = (n: number, shape: number[]) => b.constant('positions', 'float32', shape, Array.from({ length: n }, (_, i) => i));
  const context = (prefix: string, blockMode: Mode = mode, length = T): BlockContext => {
    const weight: BlockContext['weight'] = (name, shape, init) => b.param(`${prefix}.${name}`, shape, init);
    const statistic: BlockContext['statistic'] = (name, shape, init) => b.param(`${prefix}.${name}`, shape, init, { statistic: true });
    const ctx: BlockContext = {
      b,
      dModel: spec.dModel,
      nHeads: spec.nHeads,
      headDim: spec.dModel / spec.nHeads,
      B,
      T: length,
      maxLen: spec.maxLen,
      mode: blockMode,
      ...(decode ? { decode } : {}),
      layer: layerIndex,
      runs: runInfo,
      earlierProbs: (run) => (run >= 0 && run < layerIndex ? probsByRun.get(run) ?? null : null),
      weight,
      statistic,
      ...(training ? { training } : {}),
      linear: (x, inDim, outDim, name, opts) => {
        let w = weight(`w${name}`, [inDim, outDim], { kind: 'normal', std: 1 / Math.sqrt(inDim) });
        if (spec.sigmaReparam.enabled) {
          // σReparam: Ŵ = (γ / ‖W‖₂) W, with γ learnable and ‖W‖₂ exact for these weights.
          const gamma = weight(`g${name}`, [1], { kind: 'constant', value: spec.sigmaReparam.gamma });
          const weights = w;
          // ‖W‖₂ is computed when the graph is serialised, not built: costing a graph stays cheap.
          const sigma = spectral === 'power' ? powerSigma(b, w, sigmaState) : b.derivedScalar(() => spectralNorm(b.valueOf(weights) as Float32Array, inDim, outDim));
          w = b.mul(w, b.div(gamma, sigma));
        }
        const y = b.matmul(x, w);
        return opts?.bias === false ? y : b.add(y, weight(`b${name}`, [outDim], { kind: 'constant', value: 0 }));
      },
      // Position hooks run in the scope of the position block, with its weights under "position".
      position: decode
        ? // In a decode graph every rotation and bias goes through the positions-as-tensors hooks; a
          // context of length n (the generic form's) sits at positions 0 … n − 1.
          { rotate: (t) => rotateAt(t, arange(length, [length])), bias: () => biasAt(arange(length, [length, 1]), arange(length, [1, length])), rotateAt, biasAt }
        : cutPositions
          ? // After a token reduction: each reduced token sits at its position R·p (a kept token at its own, a merged one at its group's weighted mean).
            {
              rotate: (t) => rotateAt(t, cutPositions!),
              bias: () => (bias !== undefined ? bias : (bias = position.emit.bias || position.emit.biasAt ? biasAt(b.reshape(cutPositions!, [length, 1]), b.reshape(cutPositions!, [1, length])) : null)),
              rotateAt,
              biasAt,
            }
          : {
            rotate: (t) => (position.emit.rotate ? b.scope(`position: ${spec.position.kind}`, () => position.emit.rotate!(positionContext(), t, positionParams)) : t),
            bias: () =>
              (bias ??= position.emit.bias ? b.scope(`position: ${spec.position.kind}`, () => position.emit.bias!(positionContext(), positionParams)) : null),
            rotateAt,
            biasAt,
          },
      probe: (name, t) => {
        if (inspect) b.scope('probes', () => b.output(t, `${name}.${layerIndex}`));
      },
      ...(opts.auxLosses ? { auxLoss: (t: Tensor) => void auxLosses.push(t) } : {}),
    };
    return ctx;
  };
  // Position blocks see the text's full length also after a token reduction (RoPE's length-dependent scalings).
  const positionContext = () => context('position', mode, cutPositions ? requested : T);
  const positionScope = <R>(f: () => R): R => b.scope(`position: ${spec.position.kind}`, f);
  const missing = (hook: string) => new SpecError([`position: "${spec.position.kind}" has no ${hook} (positions as tensors), which decode graphs and token reduction need`]);
  function rotateAt(t: Tensor, positions: Tensor): Tensor {
    if (position.emit.rotateAt) return positionScope(() => position.emit.rotateAt!(positionContext(), t, positionParams, positions));
    if (position.emit.rotate) throw missing('rotateAt');
    return t;
  }
  function biasAt(query: Tensor, key: Tensor): Tensor | null {
    if (position.emit.biasAt) return positionScope(() => position.emit.biasAt!(positionContext(), positionParams, query, key));
    if (position.emit.bias) throw missing('biasAt');
    return null;
  }
  /** Emits the block `ref` of `slot` in its own scope, its weights named under `prefix`. */
  const emit = <S extends Slot>(slot: S, ref: BlockRef, prefix: string, run: (block: Block<S>, ctx: BlockContext) => Tensor, blockMode: Mode = mode): Tensor =>
    b.scope(`${slot}: ${ref.kind}`, () => run(findBlock(slot, ref.kind)!, context(prefix, blockMode)));

  const tokens = b.input('tokens', 'int64', [B, T]);
  const wte = b.scope('embedding', () => b.param('embed.tokens', [VOCAB_SIZE, spec.dModel], { kind: 'normal', std: 1 }));
  let x = b.scope('embedding', () => b.gather(wte, tokens)); // [B, T, d]
  if (position.emit.embed) {
    if (decode && !position.emit.embedAt) throw missing('embedAt');
    x = emit('position', spec.position, 'position', (pos, ctx) => (decode ? pos.emit.embedAt!(ctx, x, positionParams, decode.position) : pos.emit.embed!(ctx, x, positionParams)));
  }
  const norms: Tensor[] = [];
  const probe = (t: Tensor) => inspect && norms.push(b.scope('probes', () => rms(b, t)));
  probe(x);

  /**
   * Run r's mixer in a decode graph: its declared token-by-token form, or the generic one (its
   * inputs cached, recomputed at length C). State in: state.<r>.<name>; out: next.state.<r>.<name>.
   */
  const decodeMixer = (r: number, i: number, u: Tensor): Tensor => {
    const ref = spec.layers[i]!.mixer;
    return b.scope(`mixer: ${ref.kind}`, () => {
      const mixer = findBlock('mixer', ref.kind)!;
      const form = decodeFormOf(mixer, ref.params, spec.position);
      if ('none' in form) throw new SpecError([`layers.${i}.mixer: ${mixer.title} cannot decode token by token: ${form.none}`]);
      const prefix = `layers.${i}.mixer`;
      const decls = form.kind === 'declared' ? form.state(ref.params, { dModel: spec.dModel, nHeads: spec.nHeads, maxLen: spec.maxLen }) : genericState(spec.dModel);
      const state = Object.fromEntries(decls.map((d) => [d.name, b.input(`state.${r}.${d.name}`, 'float32', [B, ...d.shape(C)])]));
      const ctx = context(prefix) as BlockContext & { decode: NonNullable<BlockContext['decode']> };
      const out = form.kind === 'declared' ? form.emit(ctx, u, ref.params, state) : genericDecode(context(prefix, 'fast', C) as typeof ctx, mixer, ref.params, u, state);
      for (const d of decls) {
        const next = out.next[d.name];
        if (!next) throw new Error(`${mixer.title}: its decode step returned no next value for state "${d.name}"`);
        b.output(next, `next.state.${r}.${d.name}`);
      }
      if (out.row) {
        probsByRun.set(r, out.row);
        if (opts.rows) b.scope('probes', () => b.output(out.row!, `attn_row.${r}`));
      }
      return out.y;
    });
  };

  // Layers run in schedule order (weight-shared loops unrolled); run r writes attn_probs.r.
  let state: ResidualState = { x, prev: x };
  runs.forEach((run, r) => {
    const i = run.layer;
    const layer = spec.layers[i]!;
    const p = `layers.${i}`; // weights belong to the spec's layer, so every pass of a loop shares them
    layerIndex = r;
    const parts: LayerParts = {
      placement: layer.placement,
      norm: (name, t) => emit('norm', layer.norm, `${p}.${name}`, (n, ctx) => n.emit(ctx, t, layer.norm.params)),
      // A dropped sub-block ("What Matters in Transformers?") is null: the topology skips it with its norms and residual add.
      mixer: layer.drop?.mixer ? null : decode ? (u) => decodeMixer(r, i, u) : (u) =>
        emit('mixer', layer.mixer, `${p}.mixer`, (mixer, ctx) => {
          const out = mixer.emit(ctx, u, layer.mixer.params);
          if (out.probs) probsByRun.set(r, out.probs);
          if (inspect) {
            if (!out.probs) throw new SpecError([`layers.${i}.mixer: "${layer.mixer.kind}" gave no attention map in inspect mode`]);
            // A map that does not depend on the input (LMU, pooling, spectral) is built once, [1, H, T, T]:
            // copied per sequence, so attn_probs.r is always [B, H, T, T].
            const probs = B > 1 && out.probs.shape[0] === 1 ? b.concat(new Array<Tensor>(B).fill(out.probs), 0) : out.probs;
            b.output(probs, `attn_probs.${r}`);
            b.scope('probes', () => b.output(rowEntropy(b, probs), `attn_entropy.${r}`));
          }
          return out.y;
        }, copiedRuns.has(r) ? 'inspect' : mode),
      ffn: findBlock('ffn', layer.ffn.kind)!.absent || layer.drop?.ffn
        ? null
        : (u) => emit('ffn', layer.ffn, `${p}.ffn`, (ffn, ctx) => ffn.emit(ctx, u, layer.ffn.params)),
    };
    const topology = findBlock('topology', layer.topology.kind)!;
    state = b.scope(runName(run), () => topology.emit(context(p), state, parts, layer.topology.params));
    if (inspect && !parts.mixer) {
      // A dropped mixer contributes nothing: its exact map is all zeros (entropy 0), so every run keeps attn_probs.r.
      const zeros = b.scope('probes', () => b.expand(b.scalar(0), [B, spec.nHeads, T, T]));
      b.output(zeros, `attn_probs.${r}`);
      b.scope('probes', () => b.output(rowEntropy(b, zeros), `attn_entropy.${r}`));
    }
    probe(state.x);
    if (opts.reduce && r === opts.reduce.afterRun) {
      const R = b.input(REDUCE_INPUT, 'float32', [B, opts.reduce.keep, T]);
      b.scope('reduce', () => b.output(state.x, REDUCE_STREAM));
      state = b.scope('reduce', () => reduceStream(b, state, R));
      // (Batch 1: with more sequences no position block acts in attention, reduce.ts refuses it, so none are needed.)
      if (B === 1) cutPositions = b.scope('reduce', () => reducedPositions(b, R, arange(T, [T, 1])));
      T = opts.reduce.keep;
      bias = undefined; // the bias before the cut is [.., T, T]: the later runs get their own at T′
    }
  });
  x = state.x;

  layerIndex = -1;
  const last = spec.layers[spec.layers.length - 1]!;
  if (last.placement !== 'post') x = b.scope('final', () => emit('norm', last.norm, 'final_norm', (n, ctx) => n.emit(ctx, x, last.norm.params)));
  // The unembedding is tied to the token embedding, rescaled as T5 does with tied embeddings:
  // logits = x Eᵀ / √d. Both x (normalised) and E's rows have size about √d, so without the scale
  // the logits' spread would be about √d and an untrained model's loss far above ln V.
  if (opts.reduce) b.output(x, REDUCE_HIDDEN);
  const logits = b.scope('unembedding', () => b.mul(b.matmul(x, b.transpose(wte, [1, 0])), b.scalar(1 / Math.sqrt(spec.dModel)))); // [B, T, V]
  b.output(logits, 'logits');
  if (auxLosses.length) b.scope('loss', () => b.output(auxLosses.reduce((sum, t) => b.add(sum, t)), 'aux_loss'));
  // [runs + 1, T] at B = 1 (what the page reads); [runs + 1, B, T] when batched.
  const stacked = () => (B === 1 ? norms : norms.map((n) => b.reshape(n, [1, B, T])));
  if (inspect) b.scope('probes', () => b.output(b.concat(stacked(), 0), 'resid_rms'));
  const built = (opts.fold ?? (mode !== 'inspect' && !opts.training)) ? foldAffines(b.finish()) : b.finish();
  return opts.weights === 'inputs' ? liftWeights(built).graph : built;
}
