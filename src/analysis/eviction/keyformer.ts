/**
 * Keyformer (Adnan, Arunkumar, Jain, Nair, Soloveychik & Kamath 2024, "Keyformer: KV Cache
 * Reduction through Key Tokens Selection for Efficient Generative Inference"; authors' code
 * d-matrix-ai/keyformer-llm, models/keyformer-lib/attention.py).
 *
 * Rule: each row adds a Gumbel-softmax score to the cached keys,
 *   f_j(t) = exp((x_tj + g_tj)/τ_t) / Σ_{k cached} exp((x_tk + g_tk)/τ_t),   g ~ Gumbel(0, 1),
 *   S_j ← S_j + f_j(t),   τ_t = τ_init + t (τ_end − τ_init)/T,
 * where x_tj are the unnormalised logits of row t over the cached keys. The cache keeps a recent
 * window of r keys and the B − r cached older keys with the largest S (the key tokens).
 *
 * Logits from the map: the page has probabilities A[t, j] = exp(x_tj − c_t), c_t = logsumexp_k x_tk,
 * not the logits. log A[t, j] = x_tj − c_t differs from the logit by a constant of the row, and
 * the softmax above is invariant to adding a constant to every entry of its row, so log A gives
 * exactly the same f. A key with A = 0 (evicted in the exact re-run) has log A = −∞ and f = 0,
 * as in the authors' code, which masks discarded keys with the dtype's minimum before the
 * Gumbel softmax.
 *
 * Checked in the authors' code: gumbel_softmax(raw_attn, tau = tau_init + itr_count·tau_delta)
 * on the masked logits, summed over queries and accumulated (current_score_fn[:, :-1] += score_fn),
 * multiplied by the keep mask (discarded keys lose their score); the kept set is the last
 * `recent` tokens plus the top-k of the score over the older ones; the recent window is
 * recent = 30% of the cache budget by default. Their τ grows by tau_delta = 0.01 a step from
 * tau_init = 1; the paper states the schedule as linear from τ_init to τ_end over the generation,
 * here τ_init = 1 → τ_end = 2 over the map's T steps (the end value 2: UNVERIFIED, from the paper's
 * text as read, not its code).
 *
 * Seeded: the Gumbel noise comes from the generator in `params.rng` (src/train/random.ts `Rng`,
 * passed in by shape: analysis/ does not import train/), one draw per cached key per row, in key
 * order: g = −log(−log u), u = float() + 2^−33, so u is never 0 or 1.
 */

import { CachePolicy } from './cache';
import type { OnlinePolicy, PolicyParams, Uniform } from './policy';
import { recentFor } from './policy';

export const KEYFORMER_RECENT_FRACTION = 0.3;
export const KEYFORMER_TAU_INIT = 1;
export const KEYFORMER_TAU_END = 2;

/** One standard Gumbel draw from `rng`. */
export function gumbel(rng: Uniform): number {
  const u = rng.float() + 2 ** -33;
  return -Math.log(-Math.log(u));
}

class Keyformer extends CachePolicy {
  private score: number[] = [];
  constructor(
    budget: number,
    recent: number,
    private readonly tau: (t: number) => number,
    private readonly rng: Uniform,
  ) {
    super('keyformer', budget, recent);
  }

  protected priority(j: number): number {
    return this.score[j]!;
  }

  observe(t: number, row: Float64Array): void {
    while (this.score.length <= t) this.score.push(0);
    const tau = this.tau(t);
    const z = new Float64Array(t + 1).fill(-Infinity);
    let max = -Infinity;
    for (let j = 0; j <= t; j++) {
      if (!this.cached[j]) continue;
      z[j] = (Math.log(row[j]!) + gumbel(this.rng)) / tau;
      if (z[j]! > max) max = z[j]!;
    }
    if (max === -Infinity) return;
    let sum = 0;
    for (let j = 0; j <= t; j++) if (this.cached[j]) sum += Math.exp(z[j]! - max);
    for (let j = 0; j <= t; j++) this.score[j] = this.cached[j] ? this.score[j]! + Math.exp(z[j]! - max) / sum : 0;
  }
}

export function keyformer(params: PolicyParams, budget: number): OnlinePolicy {
  const tauInit = params.tauInit ?? KEYFORMER_TAU_INIT;
  const tauEnd = params.tauEnd ?? KEYFORMER_TAU_END;
  const steps = params.steps ?? 1;
  if (!(tauInit > 0 && tauEnd > 0)) throw new Error(`Keyformer's temperatures must be positive; got τ_init = ${tauInit}, τ_end = ${tauEnd}.`);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`Keyformer's schedule needs a whole number of steps, at least 1; got ${steps}.`);
  if (!params.rng) throw new Error('Keyformer needs a seeded generator for its Gumbel noise (params.rng, e.g. new Rng(seed) of src/train/random.ts).');
  const tau = (t: number) => tauInit + (t * (tauEnd - tauInit)) / steps;
  return new Keyformer(budget, recentFor(params, budget, KEYFORMER_RECENT_FRACTION), tau, params.rng);
}
