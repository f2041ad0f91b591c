/**
 * The inputs of an opened model: what each one is (token ids, attention mask, position ids, token
 * type ids, or anything else), read from its name, type and rank, and the tensors the page feeds
 * them for one text of T tokens: the ids, a mask that lets every token be seen, positions 0…T−1,
 * token types 0, and for anything else the person's values (an .npy file) or zeros.
 *
 * Masks come in two senses: Hugging Face's attention_mask is 1 where a token is attended; torch's
 * key_padding_mask (nn.MultiheadAttention, nn.Transformer*) is True where a token is padding and
 * must be ignored. A text has no padding, so the first is fed ones and the second zeros (feeding it
 * ones masks every key and the probabilities come out NaN).
 */
import { OpenError, type Dim, type FeedTensor, type FeedType, type InputRole, type OpenedInfo, type OpenedInput, type OtherFeed } from './types';

const INTEGER = (type: FeedType): boolean => type === 'int64' || type === 'int32';
/** Names token-id inputs go by (HF: input_ids, decoder_input_ids; torch examples: src, tgt, tokens, x…). */
const ID_NAMES = new Set(['ids', 'input_ids', 'decoder_input_ids', 'tokens', 'token', 'token_ids', 'input_tokens', 'src', 'tgt', 'input', 'inputs', 'x', 'idx', 'text', 'src_tokens', 'prev_output_tokens']);

/** An input's role from its own name, type and dims (see assignRoles for the rule that looks at all inputs). */
export function inputRole(name: string, type: FeedType, dims: readonly Dim[]): InputRole {
  const n = name.toLowerCase();
  if (n.includes('mask')) return 'mask';
  if (!INTEGER(type)) return 'other';
  if (/token_?type|segment/.test(n)) return 'types';
  if (/position|(^|[_.])pos(_ids?)?$/.test(n)) return 'positions';
  if (dims.length >= 1 && dims.length <= 2 && (ID_NAMES.has(n) || /(^|[_.])ids$/.test(n))) return 'ids';
  return 'other';
}

/** Roles of all inputs: inputRole each, then a model without ids whose only integer input of rank 2 is 'other' reads it as the ids (exporters' names such as input.1). */
export function assignRoles(inputs: readonly { name: string; type: FeedType; dims: readonly Dim[] }[]): InputRole[] {
  const roles = inputs.map((i) => inputRole(i.name, i.type, i.dims));
  if (!roles.includes('ids')) {
    const ints = inputs.map((_, k) => k).filter((k) => INTEGER(inputs[k]!.type) && inputs[k]!.dims.length === 2);
    if (ints.length === 1 && roles[ints[0]!] === 'other') roles[ints[0]!] = 'ids';
  }
  return roles;
}

/** The value a mask input is filled with for a text without padding: 0 for padding masks (True = ignore), 1 for attention masks (1 = attend). */
export function maskValue(name: string): 0 | 1 {
  return /pad/i.test(name) ? 0 : 1;
}

/** Whether the model reads token ids (so the page shows a text box). */
export function needsText(info: Pick<OpenedInfo, 'inputs'>): boolean {
  return info.inputs.some((i) => i.role === 'ids');
}

/**
 * Dims to feed an input when nothing tells them: its fixed dims, 1 for a dynamic first (batch)
 * dim, 64 for other dynamic dims, except the past length of a key/value cache input (an input
 * named past…, a dynamic dim named past…, seq…, len… or cache…), which is 0: the text is the
 * whole context, so the maps have no extra columns of zero keys.
 */
export function defaultDims(input: Pick<OpenedInput, 'name' | 'dims'>): number[] {
  const cache = /past/i.test(input.name);
  return input.dims.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : cache && /past|seq|len|cache/i.test(d) ? 0 : 64));
}

type Data = FeedTensor['data'];

/** `n` values of `type` from numbers. */
function fill(type: FeedType, n: number, at: (i: number) => number): Data {
  switch (type) {
    case 'float32': return Float32Array.from({ length: n }, (_, i) => at(i));
    case 'int64': return BigInt64Array.from({ length: n }, (_, i) => BigInt(at(i)));
    case 'int32': return Int32Array.from({ length: n }, (_, i) => at(i));
    case 'bool': return Uint8Array.from({ length: n }, (_, i) => (at(i) ? 1 : 0));
  }
}

const BATCH_NAME = /^(n|b|batch|bsz|batch_?size|num_?seq(uence)?s)$/i;

/**
 * Which axis of a rank-2 per-token input is the sequence: 1 ([batch, seq], what most exporters
 * write) unless the input says [seq, batch] (torch.nn.Transformer without batch_first: src
 * [S, N]) by a batch-like name or a fixed 1 on its last axis and not on its first.
 */
export function sequenceAxis(input: Pick<OpenedInput, 'dims'>): 0 | 1 {
  const [a, b] = input.dims;
  const batchLike = (d: Dim | undefined): boolean => d === 1 || (typeof d === 'string' && BATCH_NAME.test(d));
  return batchLike(b) && !batchLike(a) ? 0 : 1;
}

/** The fixed sequence length of a per-token input of rank 1 or 2, or null where it is dynamic (or the input has another rank). */
function fixedLength(input: OpenedInput): number | null {
  if (input.dims.length < 1 || input.dims.length > 2) return null;
  const d = input.dims[input.dims.length === 1 ? 0 : sequenceAxis(input)];
  return typeof d === 'number' ? d : null;
}

/** The id fed at the padded positions: hidden by the mask, so any id in the vocabulary serves; 0 is in every one. */
export const PAD_ID = 0;

/**
 * The length a text of T tokens is fed at: T, or the fixed length L of a model exported for
 * exactly L tokens (static shapes, common in exports of BERT-like models) when the text is
 * shorter and the model has a per-token mask input to hide the L − T padding positions; the views
 * then show the text's T positions (the worker crops the maps and checks the padding took no
 * weight). Refused: a text longer than L, and a shorter one with no mask to hide the padding.
 */
export function fedLength(info: Pick<OpenedInfo, 'inputs'>, T: number): number {
  const ids = info.inputs.find((i) => i.role === 'ids');
  const L = ids ? fixedLength(ids) : null;
  if (L === null || L === T) return T;
  if (T > L) throw new OpenError(`The input ${ids!.name}: this model was exported for exactly ${L} tokens; the text gives ${T} (shorten it to at most ${L} tokens, or re-export with a dynamic sequence axis).`);
  const mask = info.inputs.find((i) => i.role === 'mask' && (i.dims.length === 1 || i.dims.length === 2));
  if (!mask) throw new OpenError(`The input ${ids!.name}: this model was exported for exactly ${L} tokens and has no attention-mask input to hide padding; the text gives ${T} (write a text of exactly ${L} tokens, or re-export with a dynamic sequence axis).`);
  return L;
}

/** The shape of a per-token input ([L], [1, L] or [L, 1]), refused where the model fixes another length or batch. */
function tokenDims(input: OpenedInput, L: number): number[] {
  if (input.dims.length > 2) return input.dims.map((d, i) => (typeof d === 'number' ? d : i === 0 ? 1 : L));
  const seq = input.dims.length === 1 ? 0 : sequenceAxis(input);
  const fixed = fixedLength(input);
  if (fixed !== null && fixed !== L) {
    throw new OpenError(`The input ${input.name}: this model was exported for exactly ${fixed} tokens; it is fed ${L} (re-export with a dynamic sequence axis).`);
  }
  const batch = input.dims.length === 2 ? input.dims[1 - seq] : undefined;
  if (typeof batch === 'number' && batch !== 1) {
    throw new OpenError(`The input ${input.name} has a fixed batch of ${batch}; the page feeds one text (re-export with batch 1 or a dynamic batch axis).`);
  }
  return input.dims.length === 1 ? [L] : seq === 1 ? [1, L] : [L, 1];
}

/** A given feed's values in the input's type (integers widen or narrow between int32 and int64; floats are refused for integer inputs). */
function convert(input: OpenedInput, data: Float32Array | BigInt64Array | Int32Array): Data {
  const n = data.length;
  const num = (i: number): number => Number(data[i]!);
  if (input.type === 'float32') return data instanceof Float32Array ? data : fill('float32', n, num);
  if (data instanceof Float32Array) throw new OpenError(`The input ${input.name} takes ${input.type} values; the file given holds floats (save it with that integer dtype).`);
  if (input.type === 'int64') return data instanceof BigInt64Array ? data : fill('int64', n, num);
  if (input.type === 'int32') return data instanceof Int32Array ? data : fill('int32', n, num);
  return fill('bool', n, num);
}

/** The feed of an input of role 'other': the given values or zeros, refused where its shape contradicts the input's fixed dims. */
function otherFeed(input: OpenedInput, given: OtherFeed | undefined): FeedTensor {
  const dims = given ? given.dims : defaultDims(input);
  if (dims.length !== input.dims.length || input.dims.some((d, i) => typeof d === 'number' && d !== dims[i])) {
    throw new OpenError(`The input ${input.name} is [${input.dims.join(', ')}]; the values given are [${dims.join(', ')}] (give an array of that shape).`);
  }
  const n = dims.reduce((a, b) => a * b, 1);
  if (given?.kind === 'data') {
    if (given.data.length !== n) throw new OpenError(`The values given for ${input.name} hold ${given.data.length} numbers; the shape [${dims.join(', ')}] needs ${n}.`);
    return { name: input.name, dims: [...dims], data: convert(input, given.data) };
  }
  return { name: input.name, dims: [...dims], data: fill(input.type, n, () => 0) };
}

/**
 * The tensors to feed `info`'s model for the token ids `ids` (one text) and the person's values of
 * its other inputs: ids [1, L] (or [L], or [L, 1] for seq-first inputs), masks that hide nothing of
 * the text (maskValue) and hide the padding, positions 0…L−1, token types zeros, and others as
 * given or zeros of defaultDims. L is fedLength: the text's length, or the fixed length of a
 * model exported for one, the text padded with PAD_ID. Refuses ids outside the vocabulary and a
 * length the model does not take.
 */
export function feeds(info: Pick<OpenedInfo, 'inputs' | 'vocabSize'>, ids: readonly number[], others: Record<string, OtherFeed> = {}): FeedTensor[] {
  const T = ids.length;
  const text = needsText(info);
  if (text && T === 0) throw new OpenError('The text gives no tokens; write at least one.');
  if (text) {
    const V = info.vocabSize;
    const bad = ids.find((id) => !Number.isInteger(id) || id < 0 || (V !== null && id >= V));
    if (bad !== undefined) throw new OpenError(`The token id ${bad} is outside this model's vocabulary (0 to ${V === null ? 'its size' : V - 1}); use the tokenizer the model was trained with.`);
  }
  const L = text ? fedLength(info, T) : 0;
  return info.inputs.map((input): FeedTensor => {
    if (input.role === 'other' || !text) {
      if (input.role === 'other') return otherFeed(input, others[input.name]);
      const dims = defaultDims(input);
      const n = dims.reduce((a, b) => a * b, 1);
      const last = dims[dims.length - 1] ?? 1;
      const at = input.role === 'mask' ? () => maskValue(input.name) : input.role === 'positions' ? (i: number) => i % last : () => 0;
      return { name: input.name, dims, data: fill(input.type, n, at) };
    }
    const dims = tokenDims(input, L);
    const n = dims.reduce((a, b) => a * b, 1);
    // A rank-1 or rank-2 per-token input holds one value per position, so index i is position i mod L.
    switch (input.role) {
      case 'ids': return { name: input.name, dims, data: fill(input.type, n, (i) => (i % L < T ? ids[i % L]! : PAD_ID)) };
      case 'mask': {
        const seen = maskValue(input.name);
        return { name: input.name, dims, data: fill(input.type, n, (i) => (dims.length > 2 || i % L < T ? seen : 1 - seen)) };
      }
      case 'positions': return { name: input.name, dims, data: fill(input.type, n, (i) => i % L) };
      case 'types': return { name: input.name, dims, data: fill(input.type, n, () => 0) };
    }
  });
}
