/** Character-level language modelling: windows of a text; every next character is scored. */
import { z } from 'zod';
import { CORPORA, type CorpusName } from './corpora';
import { defineTask, span, textIds } from './define';

/** The share of a text, at its end, that only the held-out set reads. */
export const HELD_OUT_TEXT_SHARE = 0.1;
/** The shortest custom text taken. */
export const MIN_TEXT = 20;

const NAMES = [...(Object.keys(CORPORA) as CorpusName[]), 'custom'] as const;

export default defineTask({
  kind: 'charLM',
  title: 'Character-level language modelling',
  source: 'Tradition of character-level models (Shannon, Prediction and Entropy of Printed English; Karpathy, char-rnn and nanoGPT)',
  explanation:
    'Windows of T + 1 consecutive characters of a text; at every position the next character is scored, as in pretraining a language model. A bundled public-domain text or your own (corpus "custom"): the first 90% of the text is for training and the last 10% for the held-out windows, so held-out accuracy measures prediction on lines the model has never read. A small model first learns which characters are common, then spelling and common words; on texts this short it can also memorise the training part, which the held-out loss shows.',
  params: z.object({
    corpus: z.enum(NAMES).default('sonnets').describe('a bundled text, or "custom" for the text passed with the task'),
  }),
  takesText: true,
  check(p, text) {
    if (p.corpus === 'custom' && text === undefined) return 'corpus "custom" needs a text: pass it as `text`';
    if (p.corpus !== 'custom' && text !== undefined) return `corpus "${p.corpus}" is a bundled text; choose corpus "custom" to train on your own text`;
    if (text !== undefined && Array.from(text).length < MIN_TEXT) return `the text must have at least ${MIN_TEXT} characters, got ${Array.from(text).length}`;
    return null;
  },
  lengths(p, text) {
    const n = idsOf(p.corpus, text).length;
    const held = n - trainChars(n);
    const name = p.corpus === 'custom' ? 'the custom text' : `corpus "${p.corpus}"`;
    return { minT: 1, maxT: held - 1, why: `${name} has ${n} characters, and a window of T + 1 must fit in its held-out last tenth, ${held} characters` };
  },
  split: {
    by: 'task',
    note: 'Windows that start at random places (fixed seed) in the last 10% of the text; training windows lie wholly in the first 90%.',
  },
  sample(p, rng, { T, part, text }) {
    const all = idsOf(p.corpus, text);
    const cut = trainChars(all.length);
    const [from, to] = part === 'train' ? [0, cut] : [cut, all.length];
    const start = from + rng.int(to - from - T);
    return { seq: all.subarray(start, start + T + 1), answers: span(1, T + 1) };
  },
});

/** Characters of a text of n that training reads (the rest is held out). */
export function trainChars(n: number): number {
  return n - Math.max(1, Math.floor(n * HELD_OUT_TEXT_SHARE));
}

/** The token ids of the text, kept for the last text asked (a run asks for the same one every step). */
let last: { text: string; ids: Int32Array } | null = null;
function idsOf(corpus: string, custom: string | undefined): Int32Array {
  const text = corpus === 'custom' ? custom! : CORPORA[corpus as CorpusName].text;
  if (last?.text !== text) last = { text, ids: textIds(text) };
  return last.ids;
}
