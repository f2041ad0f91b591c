/**
 * The character-level vocabulary and tokenizer.
 *
 * Token 0 is ⟨unk⟩; then newline; then the 95 printable ASCII characters (space to tilde).
 * Text is split into Unicode code points, so an emoji or an accented letter is one character
 * that maps to ⟨unk⟩ rather than to broken halves.
 */

export const UNK = '⟨unk⟩';

/** Token strings by id. */
export const CHAR_VOCAB: readonly string[] = [
  UNK,
  '\n',
  ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)),
];

/** Vocabulary size V. */
export const VOCAB_SIZE = CHAR_VOCAB.length;

const ID_OF = new Map(CHAR_VOCAB.map((c, i) => [c, i]));

/** What tokenizing a text gave, with what had to be changed to fit the model. */
export interface Tokenized {
  /** Token ids, length ≤ maxLen. */
  ids: number[];
  /** The character each token stands for (⟨unk⟩ for unknown ones). */
  pieces: string[];
  /** Distinct characters that are not in the vocabulary, in order of appearance. */
  unknown: string[];
  /** Length in characters before truncation, when the text was longer than maxLen. */
  truncatedFrom: number | null;
}

/** Splits `text` into character tokens, mapping unknown characters to ⟨unk⟩ and keeping the first `maxLen`. */
export function tokenize(text: string, maxLen: number): Tokenized {
  const chars = Array.from(text.replace(/\r\n?/g, '\n'));
  const kept = chars.slice(0, maxLen);
  const unknown: string[] = [];
  const ids = kept.map((c) => {
    const id = ID_OF.get(c);
    if (id === undefined) {
      if (!unknown.includes(c)) unknown.push(c);
      return 0;
    }
    return id;
  });
  return {
    ids,
    pieces: ids.map((id, i) => (id === 0 ? UNK : kept[i]!)),
    unknown,
    truncatedFrom: chars.length > maxLen ? chars.length : null,
  };
}
