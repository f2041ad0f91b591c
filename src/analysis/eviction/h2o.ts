/**
 * H2O, the Heavy-Hitter Oracle (Zhang, Sheng, Zhou, Chen, Zheng, Cai, Song, Tian, Ré, Barrett,
 * Wang & Chen 2023; authors' code FMInference/H2O, h2o_hf/utils_lm_eval/modify_llama.py).
 *
 * Rule: score S_j = Σ_{i < t, j kept at i} A[i, j], the attention key j accumulated over the rows
 * it was in the cache for (an evicted key's score is gone with it). The cache keeps a recent window
 * of r keys and the B − r cached older keys with the largest S (the heavy hitters).
 *
 * Checked in the authors' code: local_heavy_hitter_mask accumulates the softmax of each full row
 * (accumulated_attention_score += softmax(attn_weights[..., t, :])) and then multiplies the score
 * by the keep mask, so evicted keys drop to 0; the kept set is the top-k of the score plus the
 * current token, OR-ed with a recent band (triu(diagonal = −recent_budget)). The budgets are
 * separate fractions, heavy_ratio and recent_ratio; the paper's 20% budget is 10% heavy + 10%
 * recent in their scripts, so the default split here is half and half (recentFraction 0.5).
 */

import { CachePolicy } from './cache';
import type { OnlinePolicy, PolicyParams } from './policy';
import { recentFor } from './policy';

export const H2O_RECENT_FRACTION = 0.5;

class H2O extends CachePolicy {
  private score: number[] = [];

  protected priority(j: number): number {
    return this.score[j]!;
  }

  observe(t: number, row: Float64Array): void {
    while (this.score.length <= t) this.score.push(0);
    for (let j = 0; j <= t; j++) this.score[j] = this.cached[j] ? this.score[j]! + row[j]! : 0;
  }
}

export function h2o(params: PolicyParams, budget: number): OnlinePolicy {
  return new H2O('h2o', budget, recentFor(params, budget, H2O_RECENT_FRACTION));
}
