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

/** The slots a layer card has. */
export type Slot = 'mixer' | 'position' | 'norm' | 'ffn';

/** Inspect materialises maps for the views; fast is the efficient form latency is measured on. */
export type Mode = 'inspect' | 'fast';

/** What an emitter may read and how it names its weights. */
export interface BlockContext {
  readonly b: GraphBuilder;
  readonly dModel: number;
  readonly nHeads: number;
  readonly headDim: number;
  /** Sequence length the graph is built for. */
  readonly T: number;
  /** Longest sequence the model takes (size of position tables). */
  readonly maxLen: number;
  readonly mode: Mode;
  /** A weight of this block, named under the block's prefix ("layers.0.mixer.wq"). */
  weight(name: string, shape: number[], init: InitScheme): Tensor;
}

/** A token mixer's output: the mixed sequence, and its attention map [1, H, T, T] in inspect mode. */
export interface MixerOutput {
  y: Tensor;
  probs?: Tensor;
}

/** What each slot's emitter takes and returns; x is always [1, T, dModel]. */
export interface SlotEmitters<P> {
  mixer: (ctx: BlockContext, x: Tensor, p: P) => MixerOutput;
  position: (ctx: BlockContext, x: Tensor, p: P) => Tensor;
  norm: (ctx: BlockContext, x: Tensor, p: P) => Tensor;
  ffn: (ctx: BlockContext, x: Tensor, p: P) => Tensor;
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
  /** 'explicit' when the block computes its attention map directly (mixers only). */
  map?: 'explicit' | 'implicit';
  params: Schema;
  emit: SlotEmitters<z.output<Schema>>[S];
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
  readonly map?: 'explicit' | 'implicit';
  /** Checks raw parameters against the schema, filling defaults. */
  parse(raw: unknown): ParamResult;
  /** Emits the block; `params` must come from a successful `parse`. */
  readonly emit: SlotEmitters<Record<string, unknown>>[S];
}

/** The allowed values of one parameter schema, in words ("a whole number from 1 to 8"). */
export function describeAllowed(schema: z.ZodType): string {
  const inner = ((schema as { def?: { innerType?: z.ZodType } }).def?.innerType ?? schema) as z.ZodType & {
    minValue?: number | null;
    maxValue?: number | null;
    isInt?: boolean;
    options?: readonly unknown[];
  };
  const type = (inner as { def?: { type?: string } }).def?.type;
  if (type === 'number') {
    const what = inner.isInt ? 'a whole number' : 'a number';
    const lo = inner.minValue ?? null;
    const hi = inner.maxValue ?? null;
    if (lo !== null && hi !== null && Number.isFinite(lo) && Number.isFinite(hi)) return `${what} from ${lo} to ${hi}`;
    if (lo !== null && Number.isFinite(lo)) return `${what} ≥ ${lo}`;
    if (hi !== null && Number.isFinite(hi)) return `${what} ≤ ${hi}`;
    return what;
  }
  if (type === 'enum' && inner.options) return `one of ${inner.options.map((o) => JSON.stringify(o)).join(', ')}`;
  if (type === 'boolean') return 'true or false';
  return 'a valid value';
}

/** Declares a block; the result goes into registry.ts. */
export function defineBlock<S extends Slot, Schema extends z.ZodObject>(src: BlockSource<S, Schema>): Block<S> {
  const { params, emit, ...info } = src;
  const parse = (raw: unknown): ParamResult => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, message: `${src.title}: parameters must be an object` };
    const unknown = Object.keys(raw).filter((k) => !(k in params.shape));
    if (unknown.length) {
      const known = Object.keys(params.shape);
      return { ok: false, message: `${src.title}: unknown parameter "${unknown[0]}" (${known.length ? `known: ${known.join(', ')}` : 'it takes none'})` };
    }
    const r = params.safeParse(raw);
    if (r.success) return { ok: true, params: r.data as Record<string, unknown> };
    const key = String(r.error.issues[0]!.path[0]);
    const got = (raw as Record<string, unknown>)[key];
    return { ok: false, message: `${src.title}: parameter "${key}" must be ${describeAllowed(params.shape[key] as z.ZodType)}, got ${JSON.stringify(got)}` };
  };
  return { ...info, parse, emit: emit as SlotEmitters<Record<string, unknown>>[S] };
}
