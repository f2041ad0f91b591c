/**
 * Scissorhands (Liu, Desai, Liao, Wang, Xie, Xu, Kyrillidis & Shrivastava 2023, "Exploiting the
 * Persistence of Importance Hypothesis for LLM KV Cache Compression at Test Time").
 *
 * Rule: over a history window of the last h rows, count for each cached key how many of those
 * rows gave it less than the average attention (low importance); when the cache is over budget,
 * evict the cached keys outside the recent window with the highest counts (ties: the older key
 * goes first). A key that was important recently persists ("persistence of importance").
 *
 *   count_j(t) = Σ_{i = max(0, t−h)}^{t−1} [j ≤ i] · 1{ A[i, j] < 1/(i+1) }
 *
 * Checked: the paper's description (history window, recent window protected, counts of
 * low-importance steps, drop the highest counts). The authors published no code (searched);
 * the threshold 1/(i+1) (uniform attention over the i + 1 keys row i could see) and evicting one
 * key per step (instead of dropping m keys at once when the cache fills) are this file's reading,
 * UNVERIFIED against an implementation. Defaults: h = B rows, recent window B/2.
 */

import { CachePolicy } from './cache';
import type { OnlinePolicy, PolicyParams } from './policy';
import { recentFor } from './policy';

export const SCISSORHANDS_RECENT_FRACTION = 0.5;

class Scissorhands extends CachePolicy {
  /** low[i][j] = 1 when row i gave key j less than the average 1/(i+1). */
  private low: Uint8Array[] = [];
  /** counts[j] = Σ of low[i][j] over the rows in the history window of the next step (kept up to date in observe). */
  private counts: number[] = [];

  constructor(budget: number, recent: number, private readonly history: number) {
    super('scissorhands', budget, recent);
  }

  /** Fewer low-importance steps = higher priority. */
  protected priority(j: number): number {
    return -this.counts[j]!;
  }

  /** Adds row t's flags and drops row t + 1 − h's, so that `counts` covers rows t + 1 − h .. t, the window of step t + 1. */
  observe(t: number, row: Float64Array): void {
    const flags = new Uint8Array(t + 1);
    const average = 1 / (t + 1);
    for (let j = 0; j <= t; j++) flags[j] = row[j]! < average ? 1 : 0;
    this.low[t] = flags;
    this.counts.push(0);
    for (let j = 0; j <= t; j++) this.counts[j] = this.counts[j]! + flags[j]!;
    const old = t - this.history;
    if (old >= 0) {
      const gone = this.low[old]!;
      for (let j = 0; j <= old; j++) this.counts[j] = this.counts[j]! - gone[j]!;
      this.low[old] = new Uint8Array(0); // no longer needed
    }
  }
}

export function scissorhands(params: PolicyParams, budget: number): OnlinePolicy {
  const history = params.history ?? budget;
  if (!Number.isInteger(history) || history < 1) throw new Error(`Scissorhands' history window must be a whole number of rows, at least 1; got ${history}.`);
  return new Scissorhands(budget, recentFor(params, budget, SCISSORHANDS_RECENT_FRACTION), history);
}
