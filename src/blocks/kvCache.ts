/**
 * The K/V cache of attention mixers in a decode graph, and the attention of one new token over it.
 *
 * A cache has `slots` rows per key/value head. Where a token goes and which position each slot
 * holds is worked out in the graph from the step's position alone (float arithmetic on whole
 * numbers, exact below 2²⁴), by one of three layouts:
 *
 *   full          slots = C, slot s holds position s                       (global attention)
 *   window w      slots = w, a ring: token t goes to slot t mod w; slot s   (sliding window: the
 *                 holds t − ((t − s) mod w), the last w positions           window caps the cache)
 *   sinks S + w   slots S + w: slots s < S hold positions s (written once,  (StreamingLLM's sinks
 *                 never evicted); the other w slots are a ring of the      keep their slots)
 *                 last w positions ≥ S
 *
 * Keys are stored unrotated; each step rotates the cached keys at their slots' positions (the
 * position block's rotateAt). That costs O(slots · headDim) per step, the order of the attention
 * itself, and keeps every layout (and the eviction re-run) free of stale rotations: CLEX's
 * frequencies change with the text's length, so a key rotated once would be wrong later.
 */
import type { GraphBuilder } from '../graph/builder';
import type { Tensor } from '../graph/ir';
import type { BlockContext, DecodeContext, DecodeOutput, StateDecl } from './define';
import { mergeHeads, splitHeads } from './nn';

export type CacheLayout = { kind: 'full' } | { kind: 'window'; window: number } | { kind: 'sinks'; sinks: number; window: number };

/** The number of slots of `layout` in a graph of capacity C (a window caps the cache). */
export function cacheSlots(layout: CacheLayout, C: number): number {
  if (layout.kind === 'full') return C;
  if (layout.kind === 'window') return Math.min(C, layout.window);
  return Math.min(C, layout.sinks + layout.window);
}

/** The state an attention mixer keeps: its keys (unrotated) and values, [kvHeads, slots, headDim] each. */
export function kvCacheState(kvHeads: number, headDim: number, layout: CacheLayout): StateDecl[] {
  const shape = (C: number) => [kvHeads, cacheSlots(layout, C), headDim];
  return [
    { name: 'k', kind: 'cache', shape, note: 'keys, unrotated' },
    { name: 'v', kind: 'cache', shape, note: 'values' },
  ];
}

/** x mod m for whole-number floats: x − m·⌊x / m⌋. */
const mod = (b: GraphBuilder, x: Tensor, m: number) => b.sub(x, b.mul(b.scalar(m), b.floor(b.div(x, b.scalar(m)))));

/** Per slot, float32 [slots]: the position it holds after this step's write (−1 when empty), and the one-hot of where the new token goes. */
export interface SlotTensors {
  positions: Tensor;
  write: Tensor;
}

/** The slots of `layout` at this step, computed in the graph from the step's position. */
export function slotTensors(b: GraphBuilder, dec: DecodeContext, layout: CacheLayout): SlotTensors {
  const slots = cacheSlots(layout, dec.capacity);
  const t = dec.position; // [1]
  const index = (n: number, from = 0) => b.constant('slot_index', 'float32', [n], Array.from({ length: n }, (_, s) => s + from));
  const oneHot = (at: Tensor, n: number, from = 0) => b.cast(b.equal(index(n, from), at), 'float32');
  if (layout.kind === 'full') {
    const s = index(slots);
    return { positions: b.where(b.lessOrEqual(s, t), s, b.scalar(-1)), write: oneHot(t, slots) };
  }
  if (layout.kind === 'window' || slots < layout.sinks + layout.window) {
    // A ring over every position (a sinks layout whose cache is the whole capacity is one too).
    const s = index(slots);
    const held = b.sub(t, mod(b, b.sub(t, s), slots)); // t − ((t − s) mod w)
    return { positions: b.where(b.greaterOrEqual(held, b.scalar(0)), held, b.scalar(-1)), write: oneHot(mod(b, t, slots), slots) };
  }
  const { sinks: S, window: w } = layout;
  const sink = index(S);
  const sinkHeld = b.where(b.lessOrEqual(sink, t), sink, b.scalar(-1)); // [S]
  const r = index(w); // ring slot r holds t − ((t − S − r) mod w), when that is ≥ S
  const ringHeld = b.sub(t, mod(b, b.sub(b.sub(t, b.scalar(S)), r), w));
  const ring = b.where(b.greaterOrEqual(ringHeld, b.scalar(S)), ringHeld, b.scalar(-1));
  const toSink = b.cast(b.less(t, b.scalar(S)), 'float32'); // [1]: the token goes to a sink slot
  const write = b.concat([b.mul(oneHot(t, S), toSink), b.mul(oneHot(mod(b, b.sub(t, b.scalar(S)), w), w), b.sub(b.scalar(1), toSink))], 0);
  return { positions: b.concat([sinkHeld, ring], 0), write };
}

export interface DecodeAttentionOptions {
  kvHeads: number;
  layout: CacheLayout;
  /** As in attention(): scaled logits [B, H, 1, slots], the visibility mask (bool, broadcastable) and the bias → weights;
   *  also the position each slot holds (float32 [slots], −1 when empty), for biases by distance. */
  normalise?: (logits: Tensor, mask: Tensor, bias: Tensor | null, positions: Tensor) => Tensor;
  separateBias?: boolean;
  queryScale?: (q: Tensor) => Tensor;
  /** Which filled slots this query may see beyond the layout's (a comb, a window's start): from the
   *  positions the slots hold (float32 [slots], −1 empty), a float 1/0 broadcastable to [B, H, 1, slots]. */
  visible?: (positions: Tensor) => Tensor;
}

/** Writes the new token's row fresh [B, h, 1, e] into slot `write` (one-hot float [slots]) of a cache [B, h, slots, e]. */
export function writeSlot(b: GraphBuilder, cache: Tensor, fresh: Tensor, write: Tensor): Tensor {
  const at = b.reshape(write, [1, 1, write.shape[0]!, 1]);
  return b.add(b.mul(cache, b.sub(b.scalar(1), at)), b.mul(fresh, at));
}

/**
 * Float 1/0 [1, 1, 1, slots] (or [B, H, 1, slots] in the eviction re-run): the slots a query may
 * see: filled ones, times `extra` when given, times the keep mask of the eviction re-run.
 */
export function seenSlots(ctx: BlockContext & { decode: DecodeContext }, positions: Tensor, extra?: Tensor): Tensor {
  const { b, B, nHeads: H, decode: dec } = ctx;
  const slots = positions.shape[0]!;
  let seen = b.reshape(b.cast(b.greaterOrEqual(positions, b.scalar(0)), 'float32'), [1, 1, 1, slots]);
  if (extra) seen = b.mul(seen, extra);
  if (dec.keep) seen = b.mul(seen, b.reshape(dec.keep(slots), [B, H, 1, slots]));
  return seen;
}

/**
 * The positions (float32 [slots], −1 empty) of the slots a decode row [B, H, 1, slots] is over,
 * for a mixer that reuses another run's row (EchoAtt's decode form). Set by attentionDecode and
 * by the forms with their own caches (rememberRowPositions); a row not found here is over the
 * full layout (slot s = position s) only if it has C slots.
 */
const rowPositions = new WeakMap<Tensor, Tensor>();
export const rememberRowPositions = (row: Tensor, positions: Tensor): Tensor => (rowPositions.set(row, positions), row);
export const rowPositionsOf = (row: Tensor): Tensor | undefined => rowPositions.get(row);

/**
 * One new token's attention over the cache: x [B, 1, d] and the state {k, v} → y [B, 1, d], the next
 * {k, v} and this step's weights over the slots [B, H, 1, slots]. Writes the new key and value into
 * its slot, rotates the cached keys at their positions, masks empty slots (and, with the keep
 * input, evicted ones), and normalises as the block does.
 */
export function attentionDecode(ctx: BlockContext & { decode: DecodeContext }, x: Tensor, state: Record<string, Tensor>, opts: DecodeAttentionOptions): DecodeOutput {
  const { b, B, dModel, nHeads: H, headDim, decode: dec } = ctx;
  const kv = opts.kvHeads;
  const g = H / kv;
  const slots = cacheSlots(opts.layout, dec.capacity);
  const { positions, write } = slotTensors(b, dec, opts.layout);

  // Positions for rotation and bias: the slots' text positions, or (eviction re-run with
  // cachePositions) the ones given, e.g. each kept key's rank in the cache.
  const given = dec.cachePositions?.(slots);
  const queryAt = given ? given.query : dec.position;
  const q0 = splitHeads(ctx, ctx.linear(x, dModel, dModel, 'q')); // [B, H, 1, hd]
  let q = ctx.position.rotateAt(q0, queryAt);
  if (opts.queryScale) q = b.mul(q, opts.queryScale(q0));
  const kNew = splitHeads(ctx, ctx.linear(x, dModel, kv * headDim, 'k'), kv); // [B, kv, 1, hd]
  const vNew = splitHeads(ctx, ctx.linear(x, dModel, kv * headDim, 'v'), kv);
  const K = writeSlot(b, state['k']!, kNew, write); // [B, kv, slots, hd]
  const V = writeSlot(b, state['v']!, vNew, write);

  const Kr = ctx.position.rotateAt(K, given ? given.keys : b.clip(positions, 0)); // empty slots are masked; rotate them at 0
  const grouped = (t: Tensor) => (g === 1 ? t : b.reshape(t, [B, kv, g, 1, t.shape[3]!]));
  const shared = (t: Tensor) => (g === 1 ? t : b.reshape(t, [B, kv, 1, slots, headDim]));
  const kT = g === 1 ? b.transpose(Kr, [0, 1, 3, 2]) : b.transpose(shared(Kr), [0, 1, 2, 4, 3]);
  let logits = b.matmul(grouped(q), kT);
  if (g !== 1) logits = b.reshape(logits, [B, H, 1, slots]);
  logits = b.mul(logits, b.scalar(1 / Math.sqrt(headDim))); // [B, H, 1, slots]
  const bias = ctx.position.biasAt(b.reshape(queryAt, [1, 1]), b.reshape(given ? given.keys : positions, [1, slots]));
  if (bias && !opts.separateBias) logits = b.add(logits, bias);
  // Visible: a filled slot (and, in the eviction re-run, one the policy keeps). Bool ops go through
  // float products, as nn.ts allOf does (And has no WebGPU kernel).
  const seen = seenSlots(ctx, positions, opts.visible?.(positions));
  const visible = b.greater(seen, b.scalar(0.5));
  const probs = opts.normalise ? opts.normalise(logits, visible, opts.separateBias ? bias : null, positions) : b.softmax(b.where(visible, logits, b.scalar(-1e9)), -1);
  rememberRowPositions(probs, positions);

  let out = b.matmul(grouped(probs), shared(V)); // [B, H, 1, hd]
  if (g !== 1) out = b.reshape(out, [B, H, 1, headDim]);
  return { y: ctx.linear(mergeHeads(ctx, out), dModel, dModel, 'o'), next: { k: K, v: V }, row: probs };
}
