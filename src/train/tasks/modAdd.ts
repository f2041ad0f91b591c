/** Modular addition: "a+b=c" with c = (a + b) mod p, numbers as zero-padded digits; c's digits are scored. */
import { z } from 'zod';
import { Rng, hash32 } from '../random';
import { defineTask, ids, span } from './define';

export default defineTask({
  kind: 'modAdd',
  title: 'Modular addition',
  source: 'Power et al., Grokking: Generalization Beyond Overfitting on Small Algorithmic Datasets; Nanda et al., Progress Measures for Grokking via Mechanistic Interpretability',
  explanation:
    'Two numbers below p and their sum modulo p, written with the same number of digits: with p = 97, "05+93=01". The digits of the sum are scored. There are only p² problems, and a fixed share of them (trainFraction) is all training ever sees; the held-out set comes from the rest. Trained long enough on a small share, models first memorise the training pairs and only much later generalise to the held-out ones ("grokking"); the solution found then is a rotation on a circle, adding angles 2πa/p and 2πb/p.',
  params: z.object({
    p: z.number().int().min(2).max(1000).default(97).describe('the modulus'),
    trainFraction: z.number().min(0.05).max(0.95).default(0.5).describe('share of the p² pairs used for training'),
  }),
  lengths: (p) => {
    const w = width(p.p);
    return { minT: 3 * w + 1, why: `p ${p.p}: three numbers of ${w} digit${w > 1 ? 's' : ''}, "+" and "="` };
  },
  split: {
    by: 'task',
    note: 'The p² pairs (a, b) are shuffled with a fixed seed and split by trainFraction; training draws only the first part, and the held-out set is the first 256 pairs of the rest (all of them when fewer), each once.',
    size: (p) => p.p * p.p - trainCount(p.p, p.trainFraction),
  },
  sample(p, rng, { part, row }) {
    const order = pairOrder(p.p);
    const nTrain = trainCount(p.p, p.trainFraction);
    const k = order[part === 'train' ? rng.int(nTrain) : nTrain + row]!;
    const a = Math.floor(k / p.p);
    const b = k % p.p;
    const w = width(p.p);
    const num = (x: number) => String(x).padStart(w, '0');
    return { seq: ids(`${num(a)}+${num(b)}=${num((a + b) % p.p)}`), answers: span(2 * w + 2, 3 * w + 2) };
  },
});

/** Digits of the largest number below p. */
const width = (p: number) => String(p - 1).length;

/** How many of the p² pairs are for training: trainFraction of them, but at least one and leaving one. */
export function trainCount(p: number, fraction: number): number {
  return Math.min(p * p - 1, Math.max(1, Math.round(fraction * p * p)));
}

/** The pairs a·p + b in the task's fixed shuffled order, kept for the last modulus asked. */
let cached: { p: number; order: Int32Array } | null = null;
function pairOrder(p: number): Int32Array {
  if (cached?.p !== p) {
    const order = Int32Array.from({ length: p * p }, (_, i) => i);
    const rng = new Rng(hash32(0x6d6f64, p));
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    cached = { p, order };
  }
  return cached.order;
}
