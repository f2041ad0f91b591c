/** Sort: a random string, a separator, then its letters in alphabetical order; the sorted string is scored. */
import { z } from 'zod';
import { words } from './copy';
import { defineTask, ids, randomWord, span } from './define';

export default defineTask({
  kind: 'sort',
  title: 'Sort',
  source: 'Algorithmic tradition (Vinyals et al., Order Matters: Sequence to Sequence for Sets; Zhou et al., What Algorithms Can Transformers Learn? A Study in Length Generalization)',
  explanation:
    'A random string of letters (repeats allowed), then "|", then the same letters in alphabetical order. Every character of the sorted string is scored. Each answer is the smallest letter not yet written, counting repeats: the model has to compare what it has written with what the prompt holds, not just look back by position.',
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
    const sorted = Array.from(w).sort().join('');
    return { seq: ids(`${w}|${sorted}`), answers: span(w.length + 1, 2 * w.length + 1) };
  },
});
