/**
 * Choosing the next token from one position's logits: greedy (the argmax) or a sample from
 * softmax(logits / τ), optionally from the k largest only. Draws come from a seeded generator (src/train/random.ts `Rng`), so the
 * same seed gives the same continuation in every browser and in Node. Everything is float64.
 *
 * Temperature τ divides the logits before the softmax: τ = 1 is the model's own distribution,
 * τ < 1 sharpens it (τ → 0 is greedy), τ > 1 flattens it (τ → ∞ is uniform over what is kept).
 */
import { softmax, topK } from './nextToken';

/**
 * Where draws come from: a number in [0, 1). src/train/random.ts's seeded `Rng` is one (named by
 * shape, not imported: analysis/ does not depend on train/).
 */
export interface Rng {
  float(): number;
}

/** How the next token is chosen. */
export interface Choice {
  mode: 'greedy' | 'sample';
  /** τ > 0; only read when sampling. */
  temperature: number;
  /** Sample among the k largest logits only (ties broken by lower id); all of them when absent. */
  topK?: number;
}

/** The first index of the largest logit. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
  return best;
}

/**
 * The distribution a sample is drawn from: softmax(logits / τ) over the `topK` largest logits,
 * zero elsewhere, renormalised. Shifting by the largest scaled logit (inside softmax) keeps a small
 * τ from overflowing: as τ → 0 every entry but the argmax underflows to 0.
 * @throws RangeError for a τ that is not a positive finite number or a k that is not a whole number ≥ 1
 */
export function samplingProbs(logits: ArrayLike<number>, temperature: number, k?: number): Float64Array {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new RangeError(`temperature must be a positive number, got ${temperature}`);
  if (k !== undefined && (!Number.isInteger(k) || k < 1)) throw new RangeError(`top-k must be a whole number from 1, got ${k}`);
  const V = logits.length;
  const scaled = Float64Array.from({ length: V }, (_, i) => logits[i]! / temperature);
  if (k === undefined || k >= V) return softmax(scaled);
  const kept = topK(logits, k).map((r) => r.id);
  const sub = softmax(kept.map((id) => scaled[id]!));
  const out = new Float64Array(V);
  kept.forEach((id, j) => (out[id] = sub[j]!));
  return out;
}

/** One draw from `probs` (summing to 1) by the inverse of its cumulative distribution. */
export function drawFrom(probs: ArrayLike<number>, rng: Rng): number {
  const u = rng.float();
  let acc = 0;
  let last = 0;
  for (let i = 0; i < probs.length; i++) {
    if (probs[i]! <= 0) continue;
    acc += probs[i]!;
    last = i;
    if (u < acc) return i;
  }
  return last; // u fell in the rounding gap at the top of the sum
}

/** The next token from `logits` as `choice` says; `rng` is drawn from only when sampling. */
export function chooseToken(logits: ArrayLike<number>, choice: Choice, rng: Rng): number {
  return choice.mode === 'greedy' ? argmax(logits) : drawFrom(samplingProbs(logits, choice.temperature, choice.topK), rng);
}
