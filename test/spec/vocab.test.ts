import { describe, expect, it } from 'vitest';
import { CHAR_VOCAB, tokenize, UNK, VOCAB_SIZE } from '../../src/spec/vocab';

describe('character vocabulary', () => {
  it('has ⟨unk⟩, newline and the 95 printable ASCII characters', () => {
    expect(VOCAB_SIZE).toBe(97);
    expect(CHAR_VOCAB[0]).toBe(UNK);
    expect(CHAR_VOCAB[1]).toBe('\n');
    expect(CHAR_VOCAB[2]).toBe(' ');
    expect(CHAR_VOCAB[96]).toBe('~');
  });

  it('maps ASCII text to ids by code', () => {
    const t = tokenize('Hi!', 10);
    expect(t.ids).toEqual([2 + 'H'.charCodeAt(0) - 32, 2 + 'i'.charCodeAt(0) - 32, 2 + '!'.charCodeAt(0) - 32]);
    expect(t.pieces).toEqual(['H', 'i', '!']);
    expect(t.unknown).toEqual([]);
    expect(t.truncatedFrom).toBeNull();
  });

  it('reads unknown characters as ⟨unk⟩ and lists each once; an emoji is one character', () => {
    const t = tokenize('é😀é a', 10);
    expect(t.ids).toEqual([0, 0, 0, 2, 2 + 'a'.charCodeAt(0) - 32]);
    expect(t.pieces.slice(0, 3)).toEqual([UNK, UNK, UNK]);
    expect(t.unknown).toEqual(['é', '😀']);
  });

  it('keeps the first maxLen characters and reports the original length', () => {
    const t = tokenize('abcdef', 4);
    expect(t.pieces).toEqual(['a', 'b', 'c', 'd']);
    expect(t.truncatedFrom).toBe(6);
  });

  it('treats CRLF and CR as one newline; empty text gives no tokens', () => {
    expect(tokenize('a\r\nb\rc', 10).ids).toEqual(tokenize('a\nb\nc', 10).ids);
    expect(tokenize('', 10)).toEqual({ ids: [], pieces: [], unknown: [], truncatedFrom: null });
  });
});
