/**
 * The machinery the cache policies share (H2O, Scissorhands, Keyformer, A2SF): a set of cached
 * keys that only shrinks by eviction, a recent window that is never evicted, and a per-policy
 * priority over the other cached keys. At step t key t joins; while the cache holds more than the
 * budget B, the cached keys outside the recent window (keys ≤ t − r) with the lowest priority are
 * evicted: the cache keeps the r recent keys and the B − r highest-priority older ones. Since the
 * cache grows by one key per step and is cut back to B, this is the "evict one per step" loop of
 * the papers' code, done as a top-k.
 */

import type { OnlinePolicy, PolicyKind } from './policy';
import { checkBudget, topByPriority } from './policy';

export abstract class CachePolicy implements OnlinePolicy {
  /** cached[j] = 1 while key j is in the cache (grows by one entry per step). */
  protected cached: number[] = [];
  private lastStep = -1;

  constructor(
    readonly kind: PolicyKind,
    readonly budget: number,
    /** The recent window r (1 ≤ r ≤ B): keys t − r + 1 .. t are never evicted at step t. */
    readonly recent: number,
  ) {
    checkBudget(budget);
  }

  /** The priority of cached key j at step t (higher is kept), from the rows observed so far. */
  protected abstract priority(j: number, t: number): number;

  keep(t: number): Uint8Array {
    if (t !== this.lastStep + 1) throw new Error(`An eviction policy steps in order: expected step ${this.lastStep + 1}, got ${t}.`);
    this.lastStep = t;
    this.cached.push(1);
    let count = 0;
    for (const c of this.cached) count += c;
    if (count > this.budget) {
      const older: number[] = [];
      for (let j = 0; j <= t - this.recent; j++) if (this.cached[j]) older.push(j);
      const kept = new Set(topByPriority(older, (j) => this.priority(j, t), this.budget - this.recent));
      for (const j of older) if (!kept.has(j)) this.cached[j] = 0;
    }
    return Uint8Array.from(this.cached);
  }

  abstract observe(t: number, row: Float64Array): void;
}
