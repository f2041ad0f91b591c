/**
 * Tokenizers for an opened model's text input (docs/using.md, "Open your own model"): the page
 * cannot know which vocabulary a person's model was trained on, so the person chooses one.
 *
 * - 'chars': the playground's own character vocabulary (src/spec/vocab.ts: 0 = ⟨unk⟩, 1 = newline,
 *   then printable ASCII), for models trained here or with the same 97 characters.
 * - 'gpt2': GPT-2's byte-level BPE (r50k_base, 50257 tokens, <|endoftext|> = 50256) through the
 *   npm package gpt-tokenizer, imported lazily so the main bundle does not carry its ~560 kB table.
 * - 'ids': the text is the ids themselves, whole numbers separated by spaces or commas.
 *
 * Pieces (the label of each token): a GPT-2 token is a run of bytes; most are valid UTF-8 on their
 * own and show as that text (" world" keeps its leading space). A token that is only part of a
 * character (an emoji is often split in two or three) cannot show as text alone; it shows its bytes
 * instead: printable ASCII as itself, every other byte as \xHH (e.g. " \xF0\x9F"), which tells the
 * reader exactly which bytes the model saw. We read the bytes from gpt-tokenizer's rank table rather
 * than decoding single tokens with its `decode`, whose shared streaming TextDecoder keeps a partial
 * character pending into the next call.
 */
import { CHAR_VOCAB, tokenize } from '../spec/vocab';

export type TokenizerKind = 'chars' | 'gpt2' | 'ids';

export interface TokenizedText {
  ids: number[];
  /** What each id stands for, for labels. */
  pieces: string[];
}

interface Gpt2 {
  encode: (text: string) => number[];
  /** Each id's piece, by id (special tokens included). */
  piece: (id: number) => string | undefined;
}

const END_OF_TEXT = '<|endoftext|>';
const END_OF_TEXT_ID = 50256;

let gpt2: Promise<Gpt2> | null = null;

/** Loads GPT-2's BPE once, on first use. */
function loadGpt2(): Promise<Gpt2> {
  gpt2 ??= Promise.all([import('gpt-tokenizer/encoding/r50k_base'), import('gpt-tokenizer/esm/bpeRanks/r50k_base')]).then(
    ([enc, ranks]) => {
      const table = ranks.default; // rank = token id; a string, or the bytes of a token that is not UTF-8 alone
      const special = new Map<number, string>([[END_OF_TEXT_ID, END_OF_TEXT]]);
      return {
        // <|endoftext|> typed in the text is the special token (GPT-2's document separator). We split
        // on it ourselves: gpt-tokenizer 4.0.0 with allowedSpecial finds it only at the very start.
        encode: (text) => text.split(END_OF_TEXT).flatMap((part, i) => (i === 0 ? [] : [END_OF_TEXT_ID]).concat(part ? enc.encode(part) : [])),
        piece: (id) => {
          const entry = table[id];
          if (entry === undefined) return special.get(id);
          return typeof entry === 'string' ? entry : bytesPiece(entry);
        },
      };
    },
  );
  return gpt2;
}

/** A token's bytes as readable text: valid UTF-8 as text, otherwise printable ASCII kept and other bytes as \xHH. */
function bytesPiece(bytes: number[]): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));
  } catch {
    return bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  }
}

/** The text as integers separated by spaces or commas; anything else is refused, naming the piece. */
function parseIds(text: string): number[] {
  const parts = text.trim().split(/[\s,]+/).filter((p) => p !== '');
  return parts.map((p) => {
    if (!/^\d+$/.test(p)) throw new Error(`"${p}" is not a token id: write whole numbers ≥ 0 separated by spaces or commas.`);
    const id = Number(p);
    if (!Number.isSafeInteger(id)) throw new Error(`"${p}" is too large for a token id.`);
    return id;
  });
}

/** Token ids and their pieces for `text` under the chosen tokenizer. */
export async function tokenizeFor(kind: TokenizerKind, text: string): Promise<TokenizedText> {
  switch (kind) {
    case 'chars': {
      const t = tokenize(text, Number.MAX_SAFE_INTEGER);
      return { ids: t.ids, pieces: t.pieces };
    }
    case 'gpt2': {
      const g = await loadGpt2();
      const ids = g.encode(text);
      return { ids, pieces: ids.map((id) => g.piece(id) ?? `#${id}`) };
    }
    case 'ids': {
      const ids = parseIds(text);
      return { ids, pieces: ids.map(String) };
    }
  }
}

/**
 * The label of one id (a next-token candidate). An id outside the tokenizer's vocabulary (the
 * model's may be larger) is labelled `#<id>`.
 */
export async function decodePiece(kind: TokenizerKind, id: number): Promise<string> {
  switch (kind) {
    case 'chars':
      return CHAR_VOCAB[id] ?? `#${id}`;
    case 'gpt2':
      return (await loadGpt2()).piece(id) ?? `#${id}`;
    case 'ids':
      return String(id);
  }
}
