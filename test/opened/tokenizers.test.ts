/**
 * Tokenizers for opened models. GPT-2 ids are checked against values from outside gpt-tokenizer:
 * HF transformers' GPT2TokenizerFast docstring ("Hello world" → [15496, 995], " Hello world" →
 * [18435, 995]), GPT-2's encoder.json (" the" = 262, "," = 11, "!" = 0, <|endoftext|> = 50256), and
 * the ids scripts/python/opened_fixtures.py hard-codes for the torch-gpt2 fixture's reference.
 * (No GPT-2 BPE in Python here: tiktoken and transformers are not installed, and tiktoken would
 * download its table at run time.)
 */
import { describe, expect, it } from 'vitest';
import { decodePiece, tokenizeFor } from '../../src/opened/tokenizers';
import { CHAR_VOCAB, tokenize, UNK } from '../../src/spec/vocab';
import { loadRef } from './fixtures';

describe("'gpt2' (GPT-2 byte-level BPE)", () => {
  it('gives the well-known GPT-2 ids', async () => {
    expect((await tokenizeFor('gpt2', 'Hello world')).ids).toEqual([15496, 995]);
    expect((await tokenizeFor('gpt2', ' Hello world')).ids).toEqual([18435, 995]);
    expect((await tokenizeFor('gpt2', ' the')).ids).toEqual([262]);
    expect((await tokenizeFor('gpt2', '!')).ids).toEqual([0]);
    expect((await tokenizeFor('gpt2', ',')).ids).toEqual([11]);
  });

  it('agrees with the ids the torch-gpt2 fixture reference was computed on', async () => {
    const ref = loadRef('torch-gpt2');
    const t = await tokenizeFor('gpt2', ref.text);
    expect(t.ids).toEqual(ref.input_ids);
    expect(t.pieces).toEqual(['Hello', ' world', ',', ' the', ' cat', ' sat']);
  });

  it('reads <|endoftext|> anywhere in the text as the special token 50256', async () => {
    const t = await tokenizeFor('gpt2', 'Hi<|endoftext|> the');
    expect(t.ids).toEqual([17250, 50256, 262]);
    expect(t.pieces).toEqual(['Hi', '<|endoftext|>', ' the']);
    expect((await tokenizeFor('gpt2', '<|endoftext|>')).ids).toEqual([50256]);
    expect((await tokenizeFor('gpt2', '')).ids).toEqual([]);
  });

  it('labels a token that is part of a character by its bytes, and whole characters as text', async () => {
    const t = await tokenizeFor('gpt2', 'é🙂');
    // 🙂 is the UTF-8 bytes F0 9F 99 82, split over byte tokens that are not text alone
    expect(t.pieces[0]).toBe('é');
    expect(t.pieces.slice(1).join('')).toBe('\\xF0\\x9F\\x99\\x82');
    // the labels do not leak into each other (gpt-tokenizer's own decode keeps a partial character pending)
    expect(await decodePiece('gpt2', t.ids[1]!)).toBe(t.pieces[1]);
    expect(await decodePiece('gpt2', 995)).toBe(' world');
    expect(await decodePiece('gpt2', 50256)).toBe('<|endoftext|>');
    expect(await decodePiece('gpt2', 50257)).toBe('#50257');
  });
});

describe("'chars' (the playground's characters)", () => {
  it('gives the ids of src/spec/vocab.ts, without cutting long texts', async () => {
    const text = 'the cat sat on the mat\n'.repeat(20) + 'naïve';
    const t = await tokenizeFor('chars', text);
    const want = tokenize(text, 10_000);
    expect(t.ids).toEqual(want.ids);
    expect(t.ids).toHaveLength(Array.from(text).length);
    expect(t.pieces).toEqual(want.pieces);
    expect(t.pieces).toContain(UNK);
  });

  it('agrees with the ids the torch-encoder fixture reference was computed on', async () => {
    const ref = loadRef('torch-encoder');
    expect((await tokenizeFor('chars', ref.text)).ids).toEqual(ref.input_ids);
  });

  it('labels ids by the vocabulary, and ids past it as #id', async () => {
    expect(await decodePiece('chars', 2)).toBe(' ');
    expect(await decodePiece('chars', 67)).toBe(CHAR_VOCAB[67]);
    expect(await decodePiece('chars', 97)).toBe('#97');
  });
});

describe("'ids' (the ids themselves)", () => {
  it('reads whole numbers separated by spaces, commas or newlines', async () => {
    expect(await tokenizeFor('ids', ' 15496, 995 11\n262,,3797 ')).toEqual({ ids: [15496, 995, 11, 262, 3797], pieces: ['15496', '995', '11', '262', '3797'] });
    expect((await tokenizeFor('ids', '  ')).ids).toEqual([]);
    expect(await decodePiece('ids', 42)).toBe('42');
  });

  it('refuses anything else, naming the piece', async () => {
    await expect(tokenizeFor('ids', '1 2 x3')).rejects.toThrow('"x3" is not a token id');
    await expect(tokenizeFor('ids', '1 -2')).rejects.toThrow('"-2" is not a token id');
    await expect(tokenizeFor('ids', '1.5')).rejects.toThrow('"1.5" is not a token id');
    await expect(tokenizeFor('ids', '99999999999999999999')).rejects.toThrow('"99999999999999999999" is too large');
  });
});
