/** Induction: random symbols in which one segment occurs twice; the second occurrence is scored. */
import { z } from 'zod';
import { defineTask, ids, SYMBOLS, span } from './define';

export default defineTask({
  kind: 'induction',
  title: 'Induction',
  source: 'Olsson et al., In-context Learning and Induction Heads',
  explanation:
    'The whole sequence is random symbols, except that one segment of distinct symbols appears twice. Inside the second occurrence every next symbol is scored: having seen a symbol, the model should find where it appeared before and predict what followed it there. This is the job of an induction head, a pair of attention heads in two layers (one marks each position with the previous symbol, the other looks for the current symbol among those marks). The segment\'s symbols appear nowhere else, so each answer is determined by one earlier occurrence.',
  params: z.object({
    segment: z.number().int().min(2).max(64).default(8).describe('length of the repeated segment'),
    alphabet: z.number().int().min(3).max(62).default(26).describe('symbols drawn from a…z, A…Z, 0…9'),
  }),
  check: (p) => (p.segment >= p.alphabet ? `segment (${p.segment}) must be less than alphabet (${p.alphabet}): the rest of the sequence uses the symbols the segment does not` : null),
  lengths: (p) => ({ minT: 2 * p.segment - 1, why: `segment ${p.segment}: two occurrences of ${p.segment} symbols` }),
  split: { by: 'problem', problems: (p, T) => falling(p.alphabet, p.segment) * (p.alphabet - p.segment) ** (T + 1 - 2 * p.segment) },
  sample(p, rng, { T }) {
    const n = T + 1;
    const order = rng.shuffle(Array.from(SYMBOLS.slice(0, p.alphabet)));
    const seg = order.slice(0, p.segment);
    const rest = order.slice(p.segment);
    const s = Array.from({ length: n }, () => rest[rng.int(rest.length)]!);
    const first = rng.range(0, n - 2 * p.segment);
    const second = rng.range(first + p.segment, n - p.segment);
    for (let i = 0; i < p.segment; i++) s[first + i] = s[second + i] = seg[i]!;
    // The segment's first symbol in its second occurrence cannot be predicted; the rest can.
    return { seq: ids(s.join('')), answers: span(second + 1, second + p.segment) };
  },
});

/** a · (a − 1) ⋯ (a − k + 1): ordered choices of k distinct symbols out of a. */
export function falling(a: number, k: number): number {
  let n = 1;
  for (let i = 0; i < k; i++) n *= a - i;
  return n;
}
