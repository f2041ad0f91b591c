/** Multi-query associative recall (MQAR): key-value pairs, then some keys again; their values are scored. */
import { z } from 'zod';
import { defineTask, ids, SYMBOLS } from './define';
import { falling } from './induction';

/** Keys are lowercase letters; values are digits, then uppercase letters (never a key). */
const KEYS = SYMBOLS.slice(0, 26);
const VALUES = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export default defineTask({
  kind: 'mqar',
  title: 'Multi-query associative recall',
  source: 'Arora et al., Zoology: Measuring and Improving Recall in Efficient Language Models',
  explanation:
    'Pairs of a key (a letter) and a value (a digit or capital), such as "a3b7c1", then ":" and some of the keys again in a random order, each followed by its value: ":b7a3". The values after the ":" are scored: at each queried key the model must recall the value that key was paired with. The Zoology paper traced most of the language-modelling gap between attention and gated-convolution models to this kind of recall, and showed with MQAR that the gap grows with the number of pairs unless the recurrent state grows with it.',
  params: z.object({
    pairs: z.number().int().min(1).max(26).default(8).describe('key-value pairs'),
    queries: z.number().int().min(1).max(26).default(8).describe('keys asked again'),
    keys: z.number().int().min(2).max(26).default(26).describe('key alphabet: a…z'),
    values: z.number().int().min(2).max(36).default(10).describe('value alphabet: 0…9, A…Z'),
  }),
  check(p) {
    if (p.pairs > p.keys) return `pairs (${p.pairs}) must not be more than keys (${p.keys}): the keys of an example are distinct`;
    if (p.queries > p.pairs) return `queries (${p.queries}) must not be more than pairs (${p.pairs}): each pair is asked at most once`;
    return null;
  },
  lengths: (p) => ({ minT: 2 * (p.pairs + p.queries), why: `pairs ${p.pairs} and queries ${p.queries}: ${2 * p.pairs} characters of pairs, ":" and ${2 * p.queries} of queries` }),
  split: { by: 'problem', problems: (p) => falling(p.keys, p.pairs) * p.values ** p.pairs * falling(p.pairs, p.queries) },
  sample(p, rng) {
    const keys = rng.pick(Array.from(KEYS.slice(0, p.keys)), p.pairs);
    const vals = keys.map(() => VALUES[rng.int(p.values)]!);
    const asked = rng.pick(Array.from(keys.keys()), p.queries);
    const text = keys.map((k, i) => k + vals[i]).join('') + ':' + asked.map((i) => keys[i]! + vals[i]!).join('');
    const start = 2 * p.pairs + 1;
    return { seq: ids(text), answers: asked.map((_, j) => start + 2 * j + 1) };
  },
});
