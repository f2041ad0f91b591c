/**
 * Opened ONNX models in the store (docs/using.md, "Open your own model"): per model slot (A, the
 * model on screen; B, the compare model) the file opened, what the worker found in it, and how it
 * is fed: the tokenizer that turns the text into its ids, and its other inputs (zeros, or a file).
 * An opened model replaces the playground's model in the views of its slot until it is closed; the
 * playground's model stays in the editor, untouched. The bridge (src/state/bridge.ts) runs it.
 */
import type { OpenedRequest } from '../../workers/api';
import type { OpenedInfo, OtherFeed } from '../opened/types';
import type { TokenizerKind } from '../opened/tokenizers';
import { VOCAB_SIZE } from '../spec/vocab';
import type { RuntimeApi } from './host';

/** An opened model as the store holds it. */
export interface OpenedModelState {
  /** The key the worker holds it under (a file opened again gets a new one). */
  key: string;
  info: OpenedInfo;
  tokenizer: TokenizerKind;
  /** Inputs that are not text, by name: zeros of given dims, or data read from a file. */
  others: Record<string, OtherFeed>;
}

export interface OpenedState {
  a: OpenedModelState | null;
  b: OpenedModelState | null;
}

export const initialOpened = (): OpenedState => ({ a: null, b: null });

export type OpenedRuntime = Pick<RuntimeApi, 'openModel' | 'closeModel'>;

/**
 * The tokenizer a model most likely wants, from its vocabulary: the playground's characters for
 * its 97 rows (a model exported from here), GPT-2's byte-level BPE for GPT-2's 50257 rows (and the
 * padded 50304), typed ids otherwise. The person can choose another.
 */
export function defaultTokenizer(info: OpenedInfo): TokenizerKind {
  const V = info.vocabSize;
  if (V === VOCAB_SIZE) return 'chars';
  if (V !== null && V >= 50257 && V <= 50304) return 'gpt2';
  return V === null || V >= VOCAB_SIZE ? 'chars' : 'ids';
}

/** The request part that runs the opened model `m` on `ids` (null for a model that takes no text). */
export function openedRequest(m: OpenedModelState, ids: number[] | null): OpenedRequest {
  return { key: m.key, ids, others: m.others };
}

let opening = 0;
/** A key for the `n`th opening of `fileName` (a file opened twice is two models to the worker). */
export const openedKey = (fileName: string): string => `${fileName}#${++opening}`;
