/**
 * The serving projection of one model on one accelerator: what a context of L tokens costs to
 * prefill, what each further token costs to decode, how much memory the weights and the decode
 * state take, and the longest context that fits (Fu 2024's framework, on the model on screen).
 *
 * With B sequences in a batch, p bytes per number (the precision chosen), N(L) parameters, F(L)
 * the prefill FLOPs of one sequence at length L, f(L) the decode FLOPs of one token with L tokens
 * of context and S(L) the decode state of one sequence in float32 bytes (src/decode/decodeState.ts):
 *
 *   weights          W(L) = N(L) · p
 *   state            B · S(L) · p/4        (caches grow with L, up to a window; recurrent state does not)
 *   memory           M(L) = W(L) + B · S(L) · p/4
 *   prefill          FLOPs B · F(L);  bytes W(L) + B · S(L) · p/4 (weights read, state written)
 *   decode a token   FLOPs B · f(L);  bytes W(L) + B · S(L) · p/4 (weights and the whole state read)
 *   latency bound    max(FLOPs / peak, bytes / bandwidth)   (roofline.ts)
 *   longest context  the largest L with M(L) ≤ memory capacity
 *
 * Activations are left out of memory and traffic (at batch sizes that matter they are small next to
 * the KV cache, and runtimes reuse their buffers), as in Fu's analysis; so are the tokens' writes
 * to the state during decoding (one row against the L read). Peak FLOP/s are the profile's 16-bit
 * dense figure whatever the precision chosen: the precision changes the bytes only.
 */
import { evaluate, type CostFit } from './fit';
import { roofline, longestFitting, type Roofline } from './roofline';

/** The longest context the projection looks at: 2^20 tokens. */
export const MAX_CONTEXT = 1 << 20;

/**
 * One tensor of a sequence's decode state as a function of the context L, in float32 bytes:
 * constant + perToken · min(L, cap) (cap null: no cap). A K/V cache has constant 0 and perToken
 * its bytes per slot; a sliding window's cache is capped at the window; a recurrent state has
 * perToken 0. Read off decodeState by the worker, which checks that the form reproduces it.
 */
export interface StateForm {
  run: number;
  name: string;
  kind: 'cache' | 'recurrent';
  constant: number;
  perToken: number;
  cap: number | null;
}

/** What the projection needs to know about a model, as plain data (it is built in a worker: workers/servingModel.ts). */
export interface ServingModel {
  name: string;
  /** Trainable parameters N, and the parameters each position past maxLen adds (a learned position table's row; 0 otherwise). */
  params: { base: number; perPosition: number };
  /** The spec's maxLen, and whether the model's weights hold one row per position up to it. */
  maxLen: number;
  positionsLimited: boolean;
  /** FLOPs of one prefill at length T (batch 1), fitted on compiled fast graphs. */
  prefill: CostFit;
  /** FLOPs of one decode step with capacity C (batch 1), fitted on compiled decode graphs; null with the reason when there is none. */
  decode: CostFit | null;
  decodeMissing: string | null;
  /** The decode state of one sequence; null with the reason when there is none. */
  state: StateForm[] | null;
  stateMissing: string | null;
}

/** N(L): the parameters at context L (a learned position table grown to L rows past maxLen). */
export const paramsAt = (m: ServingModel, L: number): number => m.params.base + Math.max(0, L - m.maxLen) * m.params.perPosition;

/** One state tensor's float32 bytes at context L. */
export const stateBytesAt = (f: StateForm, L: number): number => f.constant + f.perToken * Math.min(L, f.cap ?? Infinity);

/** S(L) of one sequence, float32 bytes, split by kind (zeros when the model declares no state). */
export function stateAt(m: ServingModel, L: number): { cache: number; recurrent: number } {
  const s = { cache: 0, recurrent: 0 };
  for (const f of m.state ?? []) s[f.kind] += stateBytesAt(f, L);
  return s;
}

export interface ServingSettings {
  /** Bytes per number of weights and state. */
  bytesPerNumber: number;
  batch: number;
  memoryBytes: number;
  bandwidth: number;
  peakFlops: number;
}

/** The projection at one context length. */
export interface ServingPoint {
  L: number;
  weightsBytes: number;
  /** The batch's state at L, in the chosen precision (0 when the model declares none). */
  stateBytes: number;
  /** Its cache part: bytes one more token of context adds to the batch's state (0 past a window). */
  stateBytesPerToken: number;
  /** Its recurrent part: the same at every L. */
  constantStateBytes: number;
  memoryBytes: number;
  fits: boolean;
  prefillFlops: number;
  prefill: Roofline;
  /** Null when the model has no decode graph. */
  decodeFlops: number | null;
  decodeBytes: number;
  decode: Roofline | null;
}

/** The projection of `m` at context L. */
export function projectAt(m: ServingModel, s: ServingSettings, L: number): ServingPoint {
  const scale = s.bytesPerNumber / 4; // the state is declared in float32
  const st = stateAt(m, L);
  const next = stateAt(m, L + 1);
  const weightsBytes = paramsAt(m, L) * s.bytesPerNumber;
  const stateBytes = s.batch * (st.cache + st.recurrent) * scale;
  const memoryBytes = weightsBytes + stateBytes;
  const prefillFlops = s.batch * evaluate(m.prefill, L);
  const decodeFlops = m.decode ? s.batch * evaluate(m.decode, L) : null;
  const traffic = weightsBytes + stateBytes;
  return {
    L,
    weightsBytes,
    stateBytes,
    stateBytesPerToken: s.batch * (next.cache - st.cache) * scale,
    constantStateBytes: s.batch * st.recurrent * scale,
    memoryBytes,
    fits: memoryBytes <= s.memoryBytes,
    prefillFlops,
    prefill: roofline(prefillFlops, traffic, s.peakFlops, s.bandwidth),
    decodeFlops,
    decodeBytes: traffic,
    decode: decodeFlops === null ? null : roofline(decodeFlops, traffic, s.peakFlops, s.bandwidth),
  };
}

/** The longest context (≤ MAX_CONTEXT) whose weights and state fit the memory. */
export function longestContext(m: ServingModel, s: ServingSettings, maxL = MAX_CONTEXT): number {
  const scale = s.bytesPerNumber / 4;
  return longestFitting((L) => {
    const st = stateAt(m, L);
    return paramsAt(m, L) * s.bytesPerNumber + s.batch * (st.cache + st.recurrent) * scale;
  }, s.memoryBytes, maxL);
}

/** Context lengths for a chart from 1 to `max`, evenly spaced on a log scale (powers of two and the midpoints between). */
export function chartLengths(max = MAX_CONTEXT): number[] {
  const out = new Set<number>();
  for (let e = 0; 2 ** e <= max; e += 0.5) out.add(Math.round(2 ** e));
  out.add(max);
  return [...out].sort((a, b) => a - b);
}
