/**
 * What copy, reverse and sort share: a random string of letters, "|", then the string rewritten by
 * the task's rule; every character of the rewrite is scored. Each of those task files is its
 * title, source, paragraph and rule, spread over these parts.
 */
import { z } from 'zod';
import { ids, randomWord, span, type Sample } from './define';
import type { Rng } from '../random';

const params = z.object({
  minLen: z.number().int().min(1).max(64).default(2).describe('shortest string'),
  maxLen: z.number().int().min(1).max(64).default(8).describe('longest string'),
  alphabet: z.number().int().min(2).max(26).default(26).describe('letters drawn from a…z'),
});
type Params = z.output<typeof params>;

/** How many strings of lengths lo..hi there are over `a` letters. */
export function words(a: number, lo: number, hi: number): number {
  let n = 0;
  for (let L = lo; L <= hi; L++) n += a ** L;
  return n;
}

/** The parameters, checks, lengths, held-out split and sampler of a string task with rule `rewrite`. */
export function transduction(rewrite: (w: string) => string) {
  return {
    params,
    check: (p: Params) => (p.minLen > p.maxLen ? `minLen (${p.minLen}) must not be more than maxLen (${p.maxLen})` : null),
    lengths: (p: Params) => ({ minT: 2 * p.maxLen, why: `maxLen ${p.maxLen}: ${p.maxLen} letters, "|" and ${p.maxLen} answers` }),
    split: { by: 'problem' as const, problems: (p: Params) => words(p.alphabet, p.minLen, p.maxLen) },
    sample(p: Params, rng: Rng): Sample {
      const w = randomWord(rng, p.alphabet, rng.range(p.minLen, p.maxLen));
      return { seq: ids(`${w}|${rewrite(w)}`), answers: span(w.length + 1, 2 * w.length + 1) };
    },
  };
}
