/**
 * StreamingLLM (Xiao, Tian, Chen, Han & Lewis 2023, "Efficient Streaming Language Models with
 * Attention Sinks"; authors' code mit-han-lab/streaming-llm, streaming_llm/kv_cache.py).
 *
 * Rule: keep the first s tokens (the attention sinks) and the most recent B − s tokens; evict the
 * rest. No scores: it never reads the attention. Checked against StartRecentKVCache in the
 * authors' code: cache_size = start_size + recent_size, and when the cache is longer it keeps
 * k[0:start_size] and k[seq_len − recent_size : seq_len]; start_size defaults to 4 there. Here
 * s = min(sinks, B − 1), so that the new key always has its slot (a budget of 1 keeps the new key).
 */

import type { OnlinePolicy, PolicyParams } from './policy';
import { checkBudget } from './policy';

export const STREAMING_SINKS = 4;

export function streamingLlm(params: PolicyParams, budget: number): OnlinePolicy {
  checkBudget(budget);
  const sinks = Math.max(0, Math.min(params.sinks ?? STREAMING_SINKS, budget - 1));
  const recent = budget - sinks;
  return {
    kind: 'streaming_llm',
    budget,
    keep(t) {
      const m = new Uint8Array(t + 1);
      for (let j = 0; j <= t; j++) m[j] = t + 1 <= budget || j < sinks || j > t - recent ? 1 : 0;
      return m;
    },
    observe() {},
  };
}
