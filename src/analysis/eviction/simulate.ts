/**
 * The eviction simulator on an attention map (issue 20, item 4). For one head's causal map
 * A [T, T] (row t = query t, rows sum to 1 over keys 0..t), a policy and a budget B, it steps
 * t = 0 .. T−1 through the policy's online interface (policy.ts):
 *
 *   keep_t = policy.keep(t, A[t])   (only the ceiling reads A[t]; the others decided from rows < t)
 *   kept mass m_t = Σ_{j kept at t} A[t, j]   (of the full-cache map: 1 means nothing lost)
 *   policy.observe(t, A[t])
 *
 * m_t says how much of row t's attention the cache still holds; it is not the output error (that
 * is the exact re-run's KL, item 5), but it is what the papers report (Keyformer's "~90% of the
 * attention mass on key tokens") and it needs nothing but the map. Steps with t + 1 ≤ B keep
 * everything (m_t = 1), so the means are over the steps where eviction happens (t ≥ B) too.
 */

import type { PolicyKind, PolicyParams, Uniform } from './policy';
import { createPolicy } from './registry';

/** One head's simulation. */
export interface Simulation {
  kind: PolicyKind;
  budget: number;
  /** m_t for t = 0 .. T−1. */
  kept: Float64Array;
  /** The keep mask of every step (masks[t] has length t + 1). */
  masks: Uint8Array[];
}

/** Row t of a row-major [T, T] map (one head), keys 0..t, as float64. */
export function rowOf(map: ArrayLike<number>, T: number, t: number, offset = 0): Float64Array {
  const row = new Float64Array(t + 1);
  for (let j = 0; j <= t; j++) row[j] = map[offset + t * T + j]!;
  return row;
}

/** The budget in tokens for a fraction of T (at least 1). */
export function budgetOf(fraction: number, T: number): number {
  return Math.max(1, Math.round(fraction * T));
}

/**
 * Runs `kind` at `budget` on the head whose [T, T] map starts at `offset` of `map`. Keyformer's
 * schedule spans the map's T steps unless `params.steps` says otherwise.
 */
export function simulate(map: ArrayLike<number>, T: number, kind: PolicyKind, budget: number, params: PolicyParams = {}, offset = 0): Simulation {
  const policy = createPolicy(kind, { steps: T, ...params }, budget);
  const kept = new Float64Array(T);
  const masks: Uint8Array[] = [];
  for (let t = 0; t < T; t++) {
    const row = rowOf(map, T, t, offset);
    const mask = policy.keep(t, row);
    let m = 0;
    for (let j = 0; j <= t; j++) if (mask[j]) m += row[j]!;
    kept[t] = m;
    masks.push(mask);
    policy.observe(t, row);
  }
  return { kind, budget, kept, masks };
}

/** The mean of the kept mass over the steps where the cache is over budget (t ≥ B); 1 when there are none. */
export function meanKept(sim: Simulation): number {
  let s = 0;
  let n = 0;
  for (let t = sim.budget; t < sim.kept.length; t++) {
    s += sim.kept[t]!;
    n++;
  }
  return n ? s / n : 1;
}

/** One cell of the policy × budget table: the mean kept mass (over evicting steps) for each head given, and their average. */
export interface TableCell {
  kind: PolicyKind;
  budget: number;
  perHead: number[];
  mean: number;
}

/**
 * The policy × budget table over several heads' maps (each a [T, T] row-major array): every
 * head simulated separately (a cache per head, as in the papers' code), its mean kept mass over
 * the evicting steps, then the average over heads. `rngFor(h, kind, budget)` gives each run its own
 * seeded generator (Keyformer's Gumbel noise), so a cell does not depend on which ran before.
 */
export function table(
  maps: readonly ArrayLike<number>[],
  T: number,
  kinds: readonly PolicyKind[],
  budgets: readonly number[],
  rngFor: (head: number, kind: PolicyKind, budget: number) => Uniform,
  params: PolicyParams = {},
): TableCell[] {
  const cells: TableCell[] = [];
  for (const kind of kinds) {
    for (const budget of budgets) {
      const perHead = maps.map((m, h) => meanKept(simulate(m, T, kind, budget, { ...params, rng: rngFor(h, kind, budget) })));
      cells.push({ kind, budget, perHead, mean: perHead.reduce((a, b) => a + b, 0) / Math.max(1, perHead.length) });
    }
  }
  return cells;
}

/**
 * Why a [T, T] map cannot be simulated, or null when it can: a weight above the diagonal means
 * the map attends both ways (no decoding, so no KV cache); a negative weight or a row that does
 * not sum to 1 means it is not a distribution over cached keys, so "kept mass" has no meaning.
 */
export function mapProblem(map: ArrayLike<number>, T: number, offset = 0): 'bidirectional' | 'not-probabilities' | null {
  for (let t = 0; t < T; t++) {
    let sum = 0;
    for (let j = 0; j < T; j++) {
      const v = map[offset + t * T + j]!;
      if (j > t && Math.abs(v) > 1e-6) return 'bidirectional';
      if (v < -1e-6) return 'not-probabilities';
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) return 'not-probabilities';
  }
  return null;
}
