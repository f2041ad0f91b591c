/** Reverse: a random string, a separator, then the string backwards; the reversal is scored. */
import { z } from 'zod';
import { words } from './copy';
import { defineTask, ids, randomWord, span } from './define';

export default defineTask({
  kind: 'reverse',
  title: 'Reverse',
  source: 'Algorithmic tradition (Grefenstette et al., Learning to Transduce with Unbounded Memory)',
  explanation:
    'A random string of letters, then "|", then the string backwards. Every character of the reversal is scored. The first answer is the last letter before the separator, the last answer the first letter: the distance a head must look back changes by two at every step, so a single fixed offset does not solve it, unlike copy.',
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
    const back = Array.from(w).reverse().join('');
    return { seq: ids(`${w}|${back}`), answers: span(w.length + 1, 2 * w.length + 1) };
  },
});
