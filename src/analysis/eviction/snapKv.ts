/**
 * SnapKV (Li, Huang, Yang, Venkitesh, Locatelli, Ye, Cai, Lewis & Chen 2024, "SnapKV: LLM Knows
 * What You are Looking for Before Generation"; authors' code FasterDecoding/SnapKV,
 * snapkv/monkeypatch/snapkv_utils.py).
 *
 * Rule (once, at the end of the prefill of a prompt of length P > B): the last w prompt rows are
 * the observation window; they vote for the earlier keys, v_j = Σ_{i=P−w}^{P−1} A[i, j] for
 * j < P − w; the votes are pooled along keys (average or max over a kernel of K keys centred on j,
 * zero padding, stride 1) to keep neighbours of important keys too; the cache keeps the window's
 * own w keys and the top B − w pooled keys of the rest.
 *
 * Checked in the authors' code: attn_weights of query_states[..., −window_size:, :] against all
 * keys, causal inside the window, softmax, summed over the window rows for keys [: −window_size],
 * avg_pool1d / max_pool1d(kernel_size, padding = kernel_size // 2, stride = 1), topk of
 * max_capacity_prompt − window_size, concatenated with the window's keys; defaults window 32,
 * kernel 5, avgpool, and nothing is compressed when the prompt fits (q_len < max_capacity_prompt).
 * F.avg_pool1d counts the zero padding (divides by K), so the average is the windowed sum / K.
 *
 * What "prompt" is here: SnapKV compresses a prompt once and never evicts while generating, so it
 * has no per-step cache. The simulator asks, at every step t, "if tokens 0 .. t−1 were the prompt
 * and t the first generated token, which keys would SnapKV keep?": prompt P = t, window rows
 * t − w .. t − 1 (all before row t), and key t takes one slot of the budget, so the top is
 * B − w − 1 of keys 0 .. t − w − 1 (w ≤ B − 1). Its masks are therefore not nested from step to
 * step (a key dropped for one prompt length can be kept for a longer one). Defaults: w = 20% of
 * the budget (the authors' 64 of 256 + 64), kernel 5, average pooling.
 */

import type { OnlinePolicy, PolicyParams } from './policy';
import { checkBudget, topByPriority } from './policy';

export const SNAPKV_WINDOW_FRACTION = 0.2;
export const SNAPKV_KERNEL = 5;

export function snapKv(params: PolicyParams, budget: number): OnlinePolicy {
  checkBudget(budget);
  const window = Math.min(budget - 1, Math.max(1, params.window ?? Math.round(budget * SNAPKV_WINDOW_FRACTION)));
  const kernel = params.kernel ?? SNAPKV_KERNEL;
  if (!Number.isInteger(kernel) || kernel < 1 || kernel % 2 === 0) throw new Error(`SnapKV's pooling kernel must be an odd whole number; got ${kernel}.`);
  const pool = params.pool ?? 'avg';
  const rows: Float64Array[] = [];
  return {
    kind: 'snapkv',
    budget,
    keep(t) {
      const m = new Uint8Array(t + 1);
      if (t + 1 <= budget) return m.fill(1);
      m[t] = 1;
      if (window < 1) return m; // a budget of 1: only the new key
      const prefix = t - window; // keys 0 .. prefix − 1 are the candidates
      const votes = new Float64Array(prefix);
      for (let i = t - window; i < t; i++) for (let j = 0; j < prefix; j++) votes[j] = votes[j]! + rows[i]![j]!;
      // Pool along keys, kernel K centred on j, stride 1: the average divides by K (zero padding
      // counted, as F.avg_pool1d does), the max takes the keys in range (max_pool1d pads with −∞).
      const half = kernel >> 1;
      const pooled = new Float64Array(prefix);
      for (let j = 0; j < prefix; j++) {
        let s = 0;
        let mx = -Infinity;
        for (let k = Math.max(0, j - half); k <= Math.min(prefix - 1, j + half); k++) {
          s += votes[k]!;
          mx = Math.max(mx, votes[k]!);
        }
        pooled[j] = pool === 'avg' ? s / kernel : mx;
      }
      const candidates = Array.from({ length: prefix }, (_, j) => j);
      for (const j of topByPriority(candidates, (j) => pooled[j]!, budget - window - 1)) m[j] = 1;
      for (let j = prefix; j <= t; j++) m[j] = 1;
      return m;
    },
    observe(t, row) {
      rows[t] = row.slice(0, t + 1);
    },
  };
}
