/** Input roles for the names exporters use, the tensors fed for a text, and the refusals; probeMaps' layouts. */
import { describe, expect, it } from 'vitest';
import { assignRoles, defaultDims, feeds, fedLength, PAD_ID, inputRole, maskValue, needsText, sequenceAxis } from '../../src/opened/inputs';
import { probeMaps } from '../../src/opened/probes';
import { OpenError, type OpenedInput } from '../../src/opened/types';

const input = (name: string, type: OpenedInput['type'], dims: OpenedInput['dims']): Pick<OpenedInput, 'name' | 'type' | 'dims'> => ({ name, type, dims });
const roles = (...inputs: ReturnType<typeof input>[]) => assignRoles(inputs);
const info = (inputs: OpenedInput[], vocabSize: number | null = 100) => ({ inputs, vocabSize });
const withRoles = (...inputs: ReturnType<typeof input>[]): OpenedInput[] => {
  const r = assignRoles(inputs);
  return inputs.map((i, k) => ({ ...i, role: r[k]! }));
};

describe('input roles', () => {
  it('names the usual exporters give', () => {
    // Hugging Face BERT
    expect(roles(input('input_ids', 'int64', ['batch', 'seq']), input('attention_mask', 'int64', ['batch', 'seq']), input('token_type_ids', 'int64', ['batch', 'seq']))).toEqual(['ids', 'mask', 'types']);
    // Hugging Face GPT-2
    expect(roles(input('input_ids', 'int64', ['batch', 'seq']), input('position_ids', 'int64', ['batch', 'seq']), input('attention_mask', 'float32', ['batch', 'seq']))).toEqual(['ids', 'positions', 'mask']);
    // torch.nn.TransformerEncoder example
    expect(roles(input('src', 'int64', ['S', 'N']), input('src_key_padding_mask', 'bool', ['N', 'S']))).toEqual(['ids', 'mask']);
    // An image model
    expect(roles(input('x', 'float32', ['N', 3, 48, 'W']))).toEqual(['other']);
    expect(inputRole('segment_ids', 'int32', ['b', 't'])).toBe('types');
    expect(inputRole('pos', 'int64', ['t'])).toBe('positions');
    expect(inputRole('pixel_values', 'float32', [1, 3, 224, 224])).toBe('other');
  });

  it('reads the one integer rank-2 input of a model without ids as the ids', () => {
    expect(roles(input('input.1', 'int64', [1, 'T']), input('onnx::Mul_1', 'float32', [1, 'T', 8]))).toEqual(['ids', 'other']);
    expect(roles(input('a', 'int64', [1, 'T']), input('b', 'int64', [1, 'T']))).toEqual(['other', 'other']);
    expect(roles(input('input_ids', 'int64', [1, 'T']), input('extra', 'int64', [1, 'T']))).toEqual(['ids', 'other']);
    expect(needsText({ inputs: withRoles(input('x', 'float32', [1, 3])) })).toBe(false);
    expect(needsText({ inputs: withRoles(input('input_ids', 'int64', [1, 'T'])) })).toBe(true);
  });
});

describe('feeds', () => {
  it('feeds a BERT-style model one text', () => {
    const f = feeds(info(withRoles(input('input_ids', 'int64', ['batch', 'seq']), input('attention_mask', 'bool', ['batch', 'seq']), input('token_type_ids', 'int32', ['batch', 'seq']), input('position_ids', 'int64', [1, 'seq']))), [5, 0, 99]);
    expect(f).toEqual([
      { name: 'input_ids', dims: [1, 3], data: BigInt64Array.of(5n, 0n, 99n) },
      { name: 'attention_mask', dims: [1, 3], data: Uint8Array.of(1, 1, 1) },
      { name: 'token_type_ids', dims: [1, 3], data: Int32Array.of(0, 0, 0) },
      { name: 'position_ids', dims: [1, 3], data: BigInt64Array.of(0n, 1n, 2n) },
    ]);
    // torch.nn.Transformer without batch_first: src [S, N] is fed [T, 1], its padding mask [N, S] is fed [1, T].
    const torch = feeds(info(withRoles(input('src', 'int64', ['S', 'N']), input('src_key_padding_mask', 'bool', ['N', 'S']))), [7, 8]);
    expect(torch).toEqual([
      { name: 'src', dims: [2, 1], data: BigInt64Array.of(7n, 8n) },
      { name: 'src_key_padding_mask', dims: [1, 2], data: Uint8Array.of(0, 0) }, // True = padding: none
    ]);
    expect([maskValue('attention_mask'), maskValue('key_padding_mask'), maskValue('tgt_mask'), maskValue('padding_mask')]).toEqual([1, 0, 1, 0]);
    expect(sequenceAxis({ dims: ['seq', 1] })).toBe(0);
    expect(sequenceAxis({ dims: ['batch_size', 'sequence_length'] })).toBe(1);
    expect(sequenceAxis({ dims: ['d0', 'd1'] })).toBe(1);
    expect(sequenceAxis({ dims: ['T', 'B'] })).toBe(0);
    // Rank 1 ids and a float mask.
    expect(feeds(info(withRoles(input('ids', 'int32', ['T']), input('mask', 'float32', ['T']))), [1, 2])).toEqual([
      { name: 'ids', dims: [2], data: Int32Array.of(1, 2) },
      { name: 'mask', dims: [2], data: Float32Array.of(1, 1) },
    ]);
  });

  it('refuses ids outside the vocabulary and a length the model does not take', () => {
    const lm = info(withRoles(input('input_ids', 'int64', [1, 'T'])), 50);
    expect(() => feeds(lm, [3, 50])).toThrow(new OpenError("The token id 50 is outside this model's vocabulary (0 to 49); use the tokenizer the model was trained with."));
    expect(() => feeds(lm, [-1])).toThrow(/token id -1 is outside/);
    expect(() => feeds(lm, [])).toThrow(/no tokens/);
    // Exported for exactly 8 tokens with no mask: a shorter text cannot be padded without changing what the text's tokens see.
    const fixed = info(withRoles(input('input_ids', 'int64', [1, 8])));
    expect(() => feeds(fixed, [1, 2, 3])).toThrow(new OpenError('The input input_ids: this model was exported for exactly 8 tokens and has no attention-mask input to hide padding; the text gives 3 (write a text of exactly 8 tokens, or re-export with a dynamic sequence axis).'));
    expect(feeds(fixed, [1, 2, 3, 4, 5, 6, 7, 8])[0]!.dims).toEqual([1, 8]);
    expect(fedLength(fixed, 8)).toBe(8);
    expect(() => feeds(fixed, [1, 2, 3, 4, 5, 6, 7, 8, 9])).toThrow(new OpenError('The input input_ids: this model was exported for exactly 8 tokens; the text gives 9 (shorten it to at most 8 tokens, or re-export with a dynamic sequence axis).'));
    expect(() => feeds(info(withRoles(input('input_ids', 'int64', [4, 'T']))), [1])).toThrow(/fixed batch of 4; the page feeds one text/);
  });

  it('pads a short text to the fixed length of a model with a mask, the padding hidden in either mask sense', () => {
    // BERT exported with static shapes: [1, 6] ids, attention_mask (1 = attend), token types, positions.
    const bert = info(withRoles(input('input_ids', 'int64', [1, 6]), input('attention_mask', 'int64', [1, 6]), input('token_type_ids', 'int64', [1, 6]), input('position_ids', 'int64', [1, 6])));
    expect(fedLength(bert, 3)).toBe(6);
    expect(feeds(bert, [7, 8, 9])).toEqual([
      { name: 'input_ids', dims: [1, 6], data: BigInt64Array.of(7n, 8n, 9n, BigInt(PAD_ID), BigInt(PAD_ID), BigInt(PAD_ID)) },
      { name: 'attention_mask', dims: [1, 6], data: BigInt64Array.of(1n, 1n, 1n, 0n, 0n, 0n) },
      { name: 'token_type_ids', dims: [1, 6], data: BigInt64Array.of(0n, 0n, 0n, 0n, 0n, 0n) },
      { name: 'position_ids', dims: [1, 6], data: BigInt64Array.of(0n, 1n, 2n, 3n, 4n, 5n) },
    ]);
    // torch's seq-first src [4, 1] with a key_padding_mask (True = padding).
    const torchSeqFirst = info(withRoles(input('src', 'int64', [4, 1]), input('src_key_padding_mask', 'bool', [1, 4])));
    expect(feeds(torchSeqFirst, [5, 6])).toEqual([
      { name: 'src', dims: [4, 1], data: BigInt64Array.of(5n, 6n, 0n, 0n) },
      { name: 'src_key_padding_mask', dims: [1, 4], data: Uint8Array.of(0, 0, 1, 1) },
    ]);
    // A mask fixed at another length than the ids is refused, not guessed.
    expect(() => feeds(info(withRoles(input('input_ids', 'int64', [1, 6]), input('attention_mask', 'int64', [1, 5]))), [1])).toThrow(/attention_mask: this model was exported for exactly 5 tokens; it is fed 6/);
  });

  it('feeds other inputs the given values, or zeros of the default dims', () => {
    const image = withRoles(input('x', 'float32', ['N', 3, 48, 'W']));
    expect(defaultDims(image[0]!)).toEqual([1, 3, 48, 64]);
    // Hugging Face's key/value cache inputs start empty.
    expect(defaultDims({ name: 'past_key_values.0.key', dims: ['batch_size', 4, 'past_sequence_length', 16] })).toEqual([1, 4, 0, 16]);
    const zeros = feeds(info(image, null), []);
    expect(zeros[0]!.dims).toEqual([1, 3, 48, 64]);
    expect(zeros[0]!.data).toEqual(new Float32Array(3 * 48 * 64));
    const data = Float32Array.from({ length: 2 * 3 * 48 * 5 }, (_, i) => i);
    expect(feeds(info(image, null), [], { x: { kind: 'data', dims: [2, 3, 48, 5], data } })[0]).toEqual({ name: 'x', dims: [2, 3, 48, 5], data });
    expect(feeds(info(image, null), [], { x: { kind: 'zeros', dims: [1, 3, 48, 2] } })[0]!.data).toEqual(new Float32Array(3 * 48 * 2));
    expect(() => feeds(info(image, null), [], { x: { kind: 'zeros', dims: [1, 1, 48, 2] } })).toThrow(new OpenError('The input x is [N, 3, 48, W]; the values given are [1, 1, 48, 2] (give an array of that shape).'));
    expect(() => feeds(info(image, null), [], { x: { kind: 'data', dims: [1, 3, 48, 2], data: new Float32Array(5) } })).toThrow(/hold 5 numbers; the shape \[1, 3, 48, 2\] needs 288/);
    // Integer inputs take integer files (int32 widened to int64), not floats.
    const steps = withRoles(input('a', 'int64', [2]), input('b', 'int64', [2]));
    expect(feeds(info(steps, null), [], { a: { kind: 'data', dims: [2], data: Int32Array.of(4, -1) } })[0]!.data).toEqual(BigInt64Array.of(4n, -1n));
    expect(() => feeds(info(steps, null), [], { a: { kind: 'data', dims: [2], data: Float32Array.of(4, 1) } })).toThrow(/takes int64 values; the file given holds floats/);
  });
});

describe('probeMaps', () => {
  const data = (n: number) => Float32Array.from({ length: n }, (_, i) => i);
  it('takes batch element 0 of [B, H, Tq, Tk], [B·H, Tq, Tk] and [Tq, Tk]', () => {
    const four = probeMaps([2, 3, 4, 5], data(120));
    expect([four.heads, four.Tq, four.Tk]).toEqual([3, 4, 5]);
    expect(four.maps).toEqual(data(60));
    const three = probeMaps([6, 4, 5], data(120), 3); // B = 2, H = 3
    expect([three.heads, three.maps.length, three.maps[59]]).toEqual([3, 60, 59]);
    expect(probeMaps([6, 4, 5], data(120)).heads).toBe(6); // heads unknown: B taken as 1
    const two = probeMaps([4, 5], data(20));
    expect([two.heads, two.Tq, two.Tk, two.maps.length]).toEqual([1, 4, 5, 20]);
  });
  it('refuses other shapes', () => {
    expect(() => probeMaps([2, 1, 3, 4, 4], data(96))).toThrow(OpenError);
    expect(() => probeMaps([5, 4, 4], data(80), 2)).toThrow(/not a multiple of the 2 heads/);
    expect(() => probeMaps([2, 4], data(7))).toThrow(/hold 7 values/);
  });
});
