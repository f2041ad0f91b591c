/**
 * The online interface every KV-cache eviction policy implements (issue 20, items 4 and 5).
 *
 * Semantics (docs/decoding.md, "Eviction policies"). Decode step t adds key t to the cache. The
 * cache then holds the keys kept after step t − 1 plus key t; if that is more than the budget B
 * (a number of tokens), the policy evicts down to B using only what it has observed: the rows
 * A[0..t−1] it was shown through `observe`. It never sees row t before deciding, except the
 * ceiling (`topk`), which is an oracle and reads row t through `keep`'s second argument.
 *
 *   for t = 0 .. T−1:
 *     mask = policy.keep(t, oracleRow)   // which of keys 0..t stay for row t (length t + 1)
 *     ... row t attends over the kept keys (simulator: kept mass Σ_{j kept} A[t, j]) ...
 *     policy.observe(t, row)             // row = A[t, 0..t], the attention row the model produced
 *
 * `keep` must be called once per step, in order t = 0, 1, 2, ...; `observe(t)` after `keep(t)`.
 * The returned mask has at most B ones, and all ones when t + 1 ≤ B. For the cache policies
 * (StreamingLLM, H2O, Scissorhands, Keyformer, A2SF) a key evicted once never returns. SnapKV
 * (a prefill policy: tokens 0..t−1 are its prompt at step t) and the ceiling (`topk`) choose
 * afresh at every step; their masks need not be nested.
 *
 * In the simulator `row` is the full-cache map's row. In the exact re-run (item 5) it is the row
 * the masked cache actually produced (zeros at evicted keys); the policies only read entries of
 * keys they kept.
 */

/** The policies, by the names the registry, the view and the docs use. */
export type PolicyKind = 'streaming_llm' | 'h2o' | 'scissorhands' | 'keyformer' | 'a2sf' | 'snapkv' | 'topk';

/** Every policy's knobs; each policy reads the ones it needs and documents its defaults (registry.ts). */
export interface PolicyParams {
  /** StreamingLLM: attention sinks, the first tokens always kept. */
  sinks?: number;
  /** Recent window: the newest keys always kept (StreamingLLM, H2O, Scissorhands, Keyformer, A2SF), as a count. */
  recent?: number;
  /** H2O / A2SF / Keyformer: the fraction of the budget given to the recent window (rest: heavy hitters / key tokens). */
  recentFraction?: number;
  /** Scissorhands: the history window, how many past rows the low-importance counts look at. */
  history?: number;
  /** A2SF: the forgetting factor λ in S_j ← λ S_j + a_tj (1 = H2O's plain accumulation). */
  lambda?: number;
  /** Keyformer: the Gumbel softmax temperature at the first and at the last step (linear schedule). */
  tauInit?: number;
  tauEnd?: number;
  /** Keyformer: the number of steps of the temperature schedule (the map's length T in the simulator). */
  steps?: number;
  /** Keyformer: the seeded generator of its Gumbel noise (src/train/random.ts `Rng`; one instance per policy instance). */
  rng?: Uniform;
  /** SnapKV: the observation window, the last rows of the prompt that vote. */
  window?: number;
  /** SnapKV: the pooling kernel along keys (odd) and its kind. */
  kernel?: number;
  pool?: 'max' | 'avg';
}

/** A seeded source of uniform draws in [0, 1): src/train/random.ts's `Rng` is one (named by shape: analysis/ does not import train/). */
export interface Uniform {
  float(): number;
}

/** One policy instance, for one head of one layer run, at one budget. */
export interface OnlinePolicy {
  readonly kind: PolicyKind;
  /** The budget: the most keys the cache holds at any step (≥ 1). */
  readonly budget: number;
  /**
   * Which of keys 0..t stay for row t (1 = kept), a Uint8Array of length t + 1 with at most
   * `budget` ones. Only the ceiling reads `row` (= A[t, 0..t]); the others must not need it.
   */
  keep(t: number, row?: Float64Array): Uint8Array;
  /** Shows the policy row t, A[t, 0..t] (length t + 1), after `keep(t)`. */
  observe(t: number, row: Float64Array): void;
}

/** Makes one policy instance: `createPolicy` in registry.ts dispatches on `kind`. */
export type PolicyFactory = (params: PolicyParams, budget: number) => OnlinePolicy;

/** A clear refusal of a bad budget (one sentence). */
export function checkBudget(budget: number): void {
  if (!Number.isInteger(budget) || budget < 1) throw new Error(`An eviction budget must be a whole number of tokens, at least 1; got ${budget}.`);
}

/**
 * The `k` entries of `candidates` with the highest `priority`, ties going to the newer key (the
 * larger index), as a new array. Every policy selects through this, so that ties break the same
 * way everywhere (a test's plain-loop reference breaks them the same way).
 */
export function topByPriority(candidates: readonly number[], priority: (j: number) => number, k: number): number[] {
  if (k <= 0) return [];
  const p = new Map(candidates.map((j) => [j, priority(j)]));
  const sorted = candidates.slice().sort((a, b) => p.get(b)! - p.get(a)! || b - a);
  return sorted.slice(0, k);
}

/** The recent window for a budget: an explicit count, else a fraction of the budget; at least 1 (the new key), at most the budget. */
export function recentFor(params: PolicyParams, budget: number, defaultFraction: number): number {
  const r = params.recent ?? Math.round(budget * (params.recentFraction ?? defaultFraction));
  return Math.min(budget, Math.max(1, r));
}
