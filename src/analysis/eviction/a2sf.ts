/**
 * A2SF, Accumulative Attention Score with Forgetting factor (Jo & Shin 2024; authors' code
 * Dirac-Notation/A2SF, utils_real_drop/kv_cache/a2sf_cache.py).
 *
 * Rule: S_j ← λ S_j + A[t, j] after each row, so S_j = Σ_i λ^{t−i} A[i, j]: old attention fades,
 * which corrects H2O's bias towards early tokens (they had more rows to accumulate over). The
 * cache keeps a recent window of r keys and the B − r cached older keys with the largest S.
 * λ = 1 is H2O's plain accumulation exactly (a test checks it).
 *
 * Checked in the authors' code: the accumulated score weights row i by
 * forgetting_factor^(last − i) (window = λ^(max exponent − exponent)), the recent budget is
 * total_budget · local_ratio and is forced in (scores of the last recent keys set to the max),
 * the rest is the top-k of the score. Their code applies it at the prompt; the paper's decode
 * form is the recursion above. The default λ = 0.95 and the half/half split are choices made
 * here (the authors tune λ per model; UNVERIFIED which value they report as default).
 */

import { CachePolicy } from './cache';
import type { OnlinePolicy, PolicyParams } from './policy';
import { recentFor } from './policy';

export const A2SF_LAMBDA = 0.95;
export const A2SF_RECENT_FRACTION = 0.5;

class A2SF extends CachePolicy {
  private score: number[] = [];

  constructor(budget: number, recent: number, private readonly lambda: number) {
    super('a2sf', budget, recent);
  }

  protected priority(j: number): number {
    return this.score[j]!;
  }

  observe(t: number, row: Float64Array): void {
    while (this.score.length <= t) this.score.push(0);
    for (let j = 0; j <= t; j++) this.score[j] = this.cached[j] ? this.lambda * this.score[j]! + row[j]! : 0;
  }
}

export function a2sf(params: PolicyParams, budget: number): OnlinePolicy {
  const lambda = params.lambda ?? A2SF_LAMBDA;
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`A2SF's forgetting factor λ must lie in [0, 1]; got ${lambda}.`);
  return new A2SF(budget, recentFor(params, budget, A2SF_RECENT_FRACTION), lambda);
}
