/**
 * The next-token distribution of one position: softmax of its row of logits, the k most likely
 * tokens, and the distribution's entropy. Everything is computed in float64.
 */

/** A token id with its probability. */
export interface Ranked {
  id: number;
  p: number;
}

/** softmax(scores), shifted by the largest score first so that no exp overflows. */
export function softmax(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) max = Math.max(max, scores[i]!);
  const out = Float64Array.from({ length: scores.length }, (_, i) => Math.exp(scores[i]! - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}

/** Shannon entropy −Σ p ln p in nats, with 0 · ln 0 = 0. */
export function entropyNats(probs: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    if (p > 0) h -= p * Math.log(p);
  }
  return h;
}

/** The `k` largest probabilities, largest first; equal ones in order of id (so the first is the argmax of indexOf(max)). */
export function topK(probs: ArrayLike<number>, k: number): Ranked[] {
  const all = Array.from({ length: probs.length }, (_, id) => ({ id, p: probs[id]! }));
  all.sort((a, b) => b.p - a.p || a.id - b.id);
  return all.slice(0, Math.max(0, k));
}

/** What the next-token view shows for one position. */
export interface NextToken {
  position: number;
  /** The k most likely next tokens, largest first. */
  top: Ranked[];
  /** Entropy of the whole distribution over the vocabulary, in nats and in bits. */
  entropyNats: number;
  entropyBits: number;
  /** The largest entropy a distribution over the vocabulary can have: log V nats (uniform). */
  uniformNats: number;
}

/**
 * The next-token distribution at `position` from logits [T, V] (row-major).
 * @throws RangeError when `position` is not a row of `logits`
 */
export function nextToken(logits: ArrayLike<number>, V: number, position: number, k = 10): NextToken {
  const T = Math.floor(logits.length / V);
  if (!Number.isInteger(position) || position < 0 || position >= T) throw new RangeError(`position ${position} is not in 0 … ${T - 1}`);
  const row = Array.from({ length: V }, (_, j) => logits[position * V + j]!);
  const probs = softmax(row);
  const h = entropyNats(probs);
  return { position, top: topK(probs, k), entropyNats: h, entropyBits: h / Math.LN2, uniformNats: Math.log(V) };
}
