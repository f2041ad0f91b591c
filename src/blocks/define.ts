/**
 * What a block is, and the one helper each block file uses to declare itself.
 *
 * A block file states its kind, slot, paper, a one-paragraph explanation for the UI, a parameter
 * schema (ranges and defaults) and an emitter written against the graph builder. `defineBlock`
 * wraps the typed emitter so the registry can hold every block in one list and the compiler can
 * call any of them with parameters that were validated on the way in.
 */
import type { z } from 'zod';
import type { GraphBuilder } from '../graph/builder';
import type { InitScheme, Tensor } from '../graph/ir';

/**
 * How a mixer's map relates to its output: 'explicit' (the weights it computes, output = map ·
 * values), 'implicit' (derived exactly from a mixer without attention weights, output = map ·
 * values still holds), 'attribution' (no such map exists, e.g. max pooling: the map is the
 * Jacobian of the output with respect to each token's features at this input, a gradient
 * attribution that is exact only to first order).
 */
export type MapKind = 'explicit' | 'implicit' | 'attribution';

/** The slots a layer card has. */
export type Slot = 'mixer' | 'position' | 'norm' | 'ffn' | 'topology';

/**
 * Where the norms of a layer sit, with the Peri-LN paper's names and what one module computes
 * (N the norm, F the sub-block). The one table of placements: the spec's schema, the editor and
 * the docs read it.
 */
export const PLACEMENTS = {
  pre: { name: 'Pre-LN', formula: 'x + F(N(x))' },
  post: { name: 'Post-LN', formula: 'N(x + F(x))' },
  peri: { name: 'Peri-LN', formula: 'x + N(F(N(x)))' },
} as const;

/** A placement's key: 'pre', 'post' or 'peri'. */
export type Placement = keyof typeof PLACEMENTS;

/**
 * How a topology's modules (mixer, then feed-forward) meet the residual stream:
 * sequential: each reads the latest stream and adds to it; parallel: all read the layer's input,
 * one add; ladder: each reads the stream one module earlier and adds to the latest; reversible:
 * two streams, the mixer reads the second and adds to the first, the feed-forward reads the first
 * and adds to the second (RevNet).
 */
export type Layout = 'sequential' | 'parallel' | 'ladder' | 'reversible';

/** The residual stream between modules: its current value, and its value one module earlier. */
export interface ResidualState {
  x: Tensor;
  prev: Tensor;
  /** The two streams (x₁, x₂) a reversible layer leaves for the next reversible layer; x is then
   *  their mean. Absent after any other topology (the next reversible layer starts from x₁ = x₂ = x). */
  pair?: readonly [Tensor, Tensor];
}

/** What a topology block wires together: the layer's sub-blocks and its norms. */
export interface LayerParts {
  /**
   * The mixer sub-block F(u), without norms or residual; null when the layer's spec drops it
   * (`drop.mixer`, "What Matters in Transformers?"): the layer then has no mixer module at all.
   */
  mixer: ((u: Tensor) => Tensor) | null;
  /** The feed-forward sub-block, or null when the layer has none (kind "none", or `drop.ffn`). */
  ffn: ((u: Tensor) => Tensor) | null;
  /** The layer's norm kind at the named position ("norm_mixer", "norm_ffn_out", …). */
  norm: (name: string, t: Tensor) => Tensor;
  placement: Placement;
}

/** Inspect materialises maps for the views; fast is the efficient form latency is measured on;
 *  decode takes one new token and the model's state and returns its logits and the next state. */
export type Mode = 'inspect' | 'fast' | 'decode';

/** The model-wide settings a block may be checked against. */
export interface ModelShape {
  dModel: number;
  nHeads: number;
  maxLen: number;
}

/** How the model's position block acts inside attention (identity and no bias when it does not). */
export interface AttentionPosition {
  /** Applied to queries and keys [B, heads, T, headDim] before their product (RoPE). */
  rotate(t: Tensor): Tensor;
  /** Added to the attention logits [B, H, T, T] (ALiBi, T5), or null. The same for every sequence
   *  of the batch: broadcastable from [1, H, T, T]. */
  bias(): Tensor | null;
  /** rotate() at the given positions (float32 [n]) for t [B, heads, n, headDim]: a decode step's query
   *  and the keys of a cache, whose slots hold any positions. */
  rotateAt(t: Tensor, positions: Tensor): Tensor;
  /** bias() between queries at positions `query` (float32 [n, 1]) and keys at `key` (float32 [1, m]):
   *  [1, H, n, m], or null when the position block adds no bias. */
  biasAt(query: Tensor, key: Tensor): Tensor | null;
}

/** One layer run (loops unrolled): the spec layer it runs and its name in messages ("layer 2, pass 3"). */
export interface LayerRunInfo {
  layer: number;
  name: string;
}

/** What a spec-wide block check sees (BlockSource.checkInSpec): the block's layer, that layer's
 *  placement, and every layer run in order with the title and map kind of the mixer it runs. */
export interface StackContext {
  layer: number;
  placement: Placement;
  runs: readonly (LayerRunInfo & { mixer: { title: string; map?: BlockSource<'mixer', z.ZodObject>['map']; dropped?: boolean } })[];
}

/** What an emitter may read and how it names its weights. */
export interface BlockContext {
  readonly b: GraphBuilder;
  readonly dModel: number;
  readonly nHeads: number;
  readonly headDim: number;
  /** Batch size the graph is built for: sequences run side by side, the leading axis of every
   *  activation. Per-sequence state (zero initial states, padding) has B rows; constants that are
   *  the same for every sequence (masks, position tables) keep a leading 1 and broadcast. */
  readonly B: number;
  /** Sequence length the graph is built for. */
  readonly T: number;
  /** Longest sequence the model takes (size of position tables). */
  readonly maxLen: number;
  readonly mode: Mode;
  /** In a decode graph: the step's position and the cache capacity. In a mixer's own decode step
   *  (mode 'decode') T is 1, the new token; the generic form's context of length C (mode 'fast')
   *  has it too, for the text's length only (CLEX), so a forward emitter must branch on mode, not on it. */
  readonly decode?: DecodeContext;
  /** 0-based index of the layer run being emitted, loops unrolled (-1 outside the layer stack). */
  readonly layer: number;
  /** Every layer run in order (loops unrolled): its spec layer and its name in messages.
   *  The compiler always sets it; optional for hand-made contexts in tests. */
  readonly runs?: readonly LayerRunInfo[];
  /**
   * The attention probabilities [B, H, T, T] the mixer of an earlier run (< layer) returned in this
   * graph, or null when it returned none. For mixers that reuse an earlier layer's map (EchoAtt).
   * The compiler always sets it; optional for hand-made contexts in tests.
   */
  readonly earlierProbs?: (run: number) => Tensor | null;
  /** A weight of this block, named under the block's prefix ("layers.0.mixer.wq"). */
  weight(name: string, shape: number[], init: InitScheme): Tensor;
  /** y = x W + b for x [..., inDim], with W ~ N(0, 1/inDim) and b = 0; `bias: false` drops b. */
  linear(x: Tensor, inDim: number, outDim: number, name: string, opts?: { bias?: boolean }): Tensor;
  /** The position encoding's part in attention. */
  readonly position: AttentionPosition;
  /** In inspect mode, adds the output `${name}.${layer}` (e.g. router_probs, batch axis first); nothing in fast mode. */
  probe(name: string, t: Tensor): void;
  /**
   * A running statistic of this block (BatchNorm's running mean and variance): a weight that is fed
   * and stored like the others but that the training step sets from the data (ctx.training.update)
   * instead of the optimizer. Inference graphs read it as a weight. (The compiler always provides
   * it; hand-made contexts in tests may leave it out.)
   */
  statistic?(name: string, shape: number[], init: InitScheme): Tensor;
  /**
   * Present only in a training step's forward pass (compile option `training`), for blocks that
   * train differently from how they infer (BatchNorm's batch statistics, SLAB's LN→BN schedule,
   * MatFormer's granularity per step). Inference, evaluation and the gradient check build without it.
   */
  readonly training?: TrainingContext;
  /**
   * A float32 scalar the block adds to the training objective (e.g. MoE's load-balancing loss).
   * Present only when the graph is built for training; a block computes its loss only then.
   */
  readonly auxLoss?: (t: Tensor) => void;
}

/** What a training step's forward pass gives a block. */
export interface TrainingContext {
  /** The step number (float32 [], 1 for the first step): the graph input `step` the trainer feeds. */
  step(): Tensor;
  /** Hands the next value of a running statistic (from ctx.statistic) back as the step's output next.<name>. */
  update(statistic: Tensor, next: Tensor): void;
}

/** A token mixer's output: the mixed sequence, and its attention map [B, H, T, T] in inspect mode. */
export interface MixerOutput {
  y: Tensor;
  probs?: Tensor;
}

/** A position block: any of the three ways position can enter a transformer. */
export interface PositionEmitters<P> {
  /** Added to (or applied on) the token embeddings [B, T, d]. */
  embed?: (ctx: BlockContext, x: Tensor, p: P) => Tensor;
  /** Rotation of queries and keys [B, heads, T, headDim]. */
  rotate?: (ctx: BlockContext, t: Tensor, p: P) => Tensor;
  /** Additive logit bias, broadcastable to [1, H, T, T] (the same for every sequence of the batch). */
  bias?: (ctx: BlockContext, p: P) => Tensor;
  /** embed() for tokens at the given positions (float32 [n]) instead of 0 … T − 1: x [B, n, d]. */
  embedAt?: (ctx: BlockContext, x: Tensor, p: P, positions: Tensor) => Tensor;
  /** rotate() at the given positions (float32 [n]): t [B, heads, n, headDim]. */
  rotateAt?: (ctx: BlockContext, t: Tensor, p: P, positions: Tensor) => Tensor;
  /** bias() between query positions (float32 [n, 1]) and key positions (float32 [1, m]): [1, H, n, m]. */
  biasAt?: (ctx: BlockContext, p: P, query: Tensor, key: Tensor) => Tensor;
}

/**
 * One tensor of a mixer's decode state, per sequence (the graph adds the batch axis in front).
 * 'cache' grows with the context (a K/V cache: its shape has the capacity C in it, capped by a
 * window); 'recurrent' has a size independent of the context (retention's S, Mamba's h).
 */
export interface StateDecl {
  name: string;
  kind: 'cache' | 'recurrent';
  /** The shape at cache capacity C, without the batch axis. */
  shape: (C: number) => number[];
  /** What it holds, in a few words ("keys, unrotated", "S = Σ γ^(t−j) k_j v_jᵀ"). */
  note: string;
}

/** What a decode step gives a mixer beyond its BlockContext. */
export interface DecodeContext {
  /** This token's position (0-based), float32 [1]. */
  readonly position: Tensor;
  /** The number of tokens the cache can hold: the decode graph's T. */
  readonly capacity: number;
  /** With compile option `evict`: the keep mask [B, H, slots] of this run's cache (1 keep, 0 evicted);
   *  a cache-kind mixer multiplies it into its visibility. Absent otherwise. */
  keep?(slots: number): Tensor;
  /** With compile option `cachePositions`: the positions of this run's key slots [slots] and of its query [1],
   *  used in place of the text positions for rotation and bias (StreamingLLM's positions within the cache). */
  cachePositions?(slots: number): { keys: Tensor; query: Tensor };
}

/** A mixer's decode step: the new token's output and the next value of each state tensor. */
export interface DecodeOutput {
  /** [B, 1, d]. */
  y: Tensor;
  /** The next value of each declared state tensor, by name (same shape as its input). */
  next: Record<string, Tensor>;
  /** This step's attention over the cache slots, [B, H, 1, slots], for mixers with an explicit map. */
  row?: Tensor;
}

/**
 * How a mixer decodes token by token. `state` declares what it keeps between tokens; `emit` takes
 * the new token's input x [B, 1, d] and the state tensors (graph inputs, by name) and returns the
 * output and the next state. { none } says the mixer has no exact token-by-token form, and why.
 */
export type DecodeForm<P> =
  | {
      state: (p: P, model: ModelShape) => StateDecl[];
      emit: (ctx: BlockContext & { decode: DecodeContext }, x: Tensor, p: P, state: Record<string, Tensor>) => DecodeOutput;
      /** Why this form is not exact with the model's position block (e.g. a state that keeps keys rotated
       *  at angles that change with the length), or null; the mixer then decodes by the generic form. */
      inexactWith?: (p: P, position: { kind: string; params: Record<string, unknown> }) => string | null;
    }
  | { none: string };

/** What each slot's emitter takes and returns; x is always [B, T, dModel] (B = ctx.B, 1 for inference). */
export interface SlotEmitters<P> {
  mixer: (ctx: BlockContext, x: Tensor, p: P) => MixerOutput;
  position: PositionEmitters<P>;
  norm: (ctx: BlockContext, x: Tensor, p: P) => Tensor;
  ffn: (ctx: BlockContext, x: Tensor, p: P) => Tensor;
  topology: (ctx: BlockContext, state: ResidualState, parts: LayerParts, p: P) => ResidualState;
}

/** A block as its file writes it. */
export interface BlockSource<S extends Slot, Schema extends z.ZodObject> {
  kind: string;
  slot: S;
  title: string;
  /** Title of the paper the block comes from. */
  paper: string;
  /** One paragraph for the UI. */
  explanation: string;
  /** Mixers: 'explicit' when the map is computed directly, 'implicit' when derived exactly,
   *  'attribution' when no exact map exists and the map is a gradient (Jacobian) attribution. */
  map?: MapKind;
  /** Mixers: the letter the schedule helper takes for it ("A,M,M,M"), if it has one. */
  letter?: string;
  /** Norms: the wiring diagram's box label and the name in its formulas ("LN", "RMSNorm"); both
   *  default to the title. null for a norm that is the identity: the diagram draws no norm. */
  diagram?: { label: string; name: string } | null;
  /** Topologies: how the layer's modules read and meet the stream, for the wiring diagram. */
  layout?: Layout;
  /** Mixers: true when the block reuses the attention map of an earlier layer run, the one its
   *  parameter `from` names (EchoAtt; resolved by spec/mapSharing.ts). */
  copiesMap?: boolean;
  /** Checks that need the rest of the stack (other layers, this layer's placement); run by the
   *  spec's validation once every block's own parameters are fine. Returns the problem or null. */
  checkInSpec?: (p: z.output<Schema>, stack: StackContext) => string | null;
  /** The block's section of docs/blocks.md, in markdown, under its generated heading (npm run docs). */
  doc: string;
  params: Schema;
  /** True for a block that stands for an empty slot ("none"): the compiler leaves out the whole
   *  sub-block, its norms and its residual addition. Its emitter is never called. */
  absent?: boolean;
  /** Checks that need the model's shape (e.g. kv-heads must divide heads); returns the problem or null. */
  check?: (p: z.output<Schema>, model: ModelShape) => string | null;
  emit: SlotEmitters<z.output<Schema>>[S];
  /** Mixers: the token-by-token form (src/decode/). Without it a causal mixer decodes by the generic
   *  form, which caches its inputs and recomputes (src/decode/generic.ts). */
  decode?: DecodeForm<z.output<Schema>>;
}

/** Validated parameters, or the reason they were refused. */
export type ParamResult = { ok: true; params: Record<string, unknown> } | { ok: false; message: string };

/** A block as the registry holds it: parameters are validated before emit sees them. */
export interface Block<S extends Slot = Slot> {
  readonly kind: string;
  readonly slot: S;
  readonly title: string;
  readonly paper: string;
  readonly explanation: string;
  readonly map?: MapKind;
  readonly letter?: string;
  readonly diagram?: { label: string; name: string } | null;
  readonly layout?: Layout;
  readonly copiesMap?: boolean;
  readonly doc: string;
  readonly absent?: boolean;
  /** The spec-wide check (BlockSource.checkInSpec), its problem prefixed with the block's title; null when fine. */
  checkInSpec(params: Record<string, unknown>, stack: StackContext): string | null;
  /** Each parameter's type, range and default, by name. */
  readonly paramInfo: Readonly<Record<string, ParamInfo>>;
  /** Its parameters' defaults, by name. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Checks raw parameters against the schema (and the model's shape), filling defaults. */
  parse(raw: unknown, model?: ModelShape): ParamResult;
  /** Emits the block; `params` must come from a successful `parse`. */
  readonly emit: SlotEmitters<Record<string, unknown>>[S];
  readonly decode?: DecodeForm<Record<string, unknown>>;
}

/** One parameter's type, range and default, read from its schema (for messages, the UI and tests),
 *  and what it means when the schema says (zod's `.describe()`; the docs' parameter table shows it). */
export type ParamInfo = (
  | { type: 'int' | 'number'; min: number; max: number; default: number }
  | { type: 'enum'; options: readonly string[]; default: string }
  | { type: 'boolean'; default: boolean }
) & { note?: string };

/** The ParamInfo of one parameter schema (a zod number with min and max, enum or boolean, with a default). */
export function paramInfo(schema: z.ZodType): ParamInfo {
  const def = (schema as { def?: { innerType?: z.ZodType; defaultValue?: unknown } }).def;
  const inner = (def?.innerType ?? schema) as z.ZodType & { minValue?: number | null; maxValue?: number | null; isInt?: boolean; options?: readonly string[] };
  const dflt = def?.defaultValue;
  const type = (inner as { def?: { type?: string } }).def?.type;
  const description = schema.description ?? inner.description;
  const note = description ? { note: description } : {};
  if (type === 'number') {
    const { minValue: min, maxValue: max } = inner;
    if (min == null || max == null || !Number.isFinite(min) || !Number.isFinite(max)) throw new Error('a numeric block parameter needs a min and a max');
    return { type: inner.isInt ? 'int' : 'number', min, max, default: dflt as number, ...note };
  }
  if (type === 'enum' && inner.options) return { type: 'enum', options: inner.options, default: dflt as string, ...note };
  if (type === 'boolean') return { type: 'boolean', default: dflt as boolean, ...note };
  throw new Error(`unsupported block parameter type ${type}`);
}

/** A parameter's allowed values in words ("a whole number from 1 to 8"). */
export function describeAllowed(info: ParamInfo): string {
  if (info.type === 'int' || info.type === 'number') return `${info.type === 'int' ? 'a whole number' : 'a number'} from ${info.min} to ${info.max}`;
  if (info.type === 'enum') return `one of ${info.options.map((o) => JSON.stringify(o)).join(', ')}`;
  return 'true or false';
}

/** A schema's parameters as the registries hold them: each one's info, the defaults, and a parser whose messages name the owner. */
export interface Params {
  infos: Record<string, ParamInfo>;
  defaults: Record<string, unknown>;
  /** Validates raw parameters (an object of known keys within their ranges), filling defaults. */
  parse(raw: unknown): { ok: true; params: Record<string, unknown> } | { ok: false; message: string };
}

/** The parameters of `schema`, for `title`'s messages (blocks and tasks declare theirs the same way). */
export function params(title: string, schema: z.ZodObject): Params {
  const shape = schema.shape as Record<string, z.ZodType>;
  const infos = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, paramInfo(v)]));
  const defaults = schema.parse({}) as Record<string, unknown>;
  const parse: Params['parse'] = (raw) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, message: `${title}: parameters must be an object` };
    const unknown = Object.keys(raw).filter((k) => !(k in shape));
    if (unknown.length) {
      const known = Object.keys(shape);
      return { ok: false, message: `${title}: unknown parameter "${unknown[0]}" (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})` };
    }
    const r = schema.safeParse(raw);
    if (!r.success) {
      const key = String(r.error.issues[0]!.path[0]);
      const got = (raw as Record<string, unknown>)[key];
      return { ok: false, message: `${title}: parameter "${key}" must be ${describeAllowed(infos[key]!)}, got ${JSON.stringify(got)}` };
    }
    return { ok: true, params: r.data as Record<string, unknown> };
  };
  return { infos, defaults, parse };
}

/** Declares a block; the result goes into registry.ts. */
export function defineBlock<S extends Slot, Schema extends z.ZodObject>(src: BlockSource<S, Schema>): Block<S> {
  const { params: schema, emit, check, checkInSpec, decode, ...info } = src;
  const { infos, defaults, parse: parseParams } = params(src.title, schema);
  const parse = (raw: unknown, model?: ModelShape): ParamResult => {
    const r = parseParams(raw);
    if (!r.ok) return r;
    const problem = model && check ? check(r.params as z.output<Schema>, model) : null;
    if (problem) return { ok: false, message: `${src.title}: ${problem}` };
    return r;
  };
  const inSpec = (p: Record<string, unknown>, stack: StackContext): string | null => {
    const problem = checkInSpec?.(p as z.output<Schema>, stack) ?? null;
    return problem && `${src.title}: ${problem}`;
  };
  return {
    ...info,
    paramInfo: infos,
    defaults,
    parse,
    checkInSpec: inSpec,
    emit: emit as SlotEmitters<Record<string, unknown>>[S],
    ...(decode ? { decode: decode as DecodeForm<Record<string, unknown>> } : {}),
  };
}
