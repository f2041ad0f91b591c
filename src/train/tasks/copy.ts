/** Copy: a random string, a separator, then the same string again; the copy is scored. */
import { z } from 'zod';
import { defineTask, ids, randomWord, span } from './define';

export default defineTask({
  kind: 'copy',
  title: 'Copy',
  source: 'Algorithmic tradition (Graves et al., Neural Turing Machines; Jelassi et al., Repeat After Me: Transformers are Better than State Space Models at Copying)',
  explanation:
    'A random string of letters, then "|", then the same string again. The model sees the string once and must write it out: every character of the copy is scored. Attention solves it by looking back by the string\'s length plus one, to the matching letter before the separator; a fixed-size recurrent state has to remember the whole string, which is why copying separates transformers from state-space models as strings grow longer.',
  params: z.object({
    minLen: z.number().int().min(1).max(64).default(2).describe('shortest string'),
    maxLen: z.number().int().min(1).max(64).default(8).describe('longest string'),
    alphabet: z.number().int().min(2).max(26).default(26).describe('letters drawn from a…z'),
  }),
  check: (p) => (p.minLen > p.maxLen ? `minLen (${p.minLen}) must not be more than maxLen (${p.maxLen})` : null),
  lengths: (p) => ({ minT: 2 * p.maxLen, why: `maxLen ${p.maxLen}: ${p.maxLen} letters, "|" and ${p.maxLen} answers` }),
  split: { by: 'problem', problems: (p) => words(p.alphabet, p.minLen, p.maxLen) },
  sample(p, rng) {
    const w = randomWord(rng, p.alphabet, rng.range(p.minLen, p.maxLen));
    return { seq: ids(`${w}|${w}`), answers: span(w.length + 1, 2 * w.length + 1) };
  },
});

/** How many strings of lengths lo..hi there are over `a` letters. */
export function words(a: number, lo: number, hi: number): number {
  let n = 0;
  for (let L = lo; L <= hi; L++) n += a ** L;
  return n;
}
