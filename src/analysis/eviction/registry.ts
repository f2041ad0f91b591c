/**
 * The eviction policies by kind: their names, one-line rules and the factory `createPolicy`
 * (the entry point of the simulator and of the exact re-run, item 5).
 */

import { a2sf } from './a2sf';
import { h2o } from './h2o';
import { keyformer } from './keyformer';
import type { OnlinePolicy, PolicyFactory, PolicyKind, PolicyParams } from './policy';
import { scissorhands } from './scissorhands';
import { snapKv } from './snapKv';
import { streamingLlm } from './streamingLlm';
import { topk } from './topk';

export interface PolicyInfo {
  kind: PolicyKind;
  label: string;
  /** The rule in one line (the view's legend and the docs). */
  rule: string;
  paper: string;
  make: PolicyFactory;
}

export const POLICIES: readonly PolicyInfo[] = [
  { kind: 'streaming_llm', label: 'StreamingLLM', rule: '4 attention sinks + the most recent tokens', paper: 'Xiao et al. 2023', make: streamingLlm },
  { kind: 'h2o', label: 'H2O', rule: 'accumulated attention (heavy hitters) + recent window, half and half', paper: 'Zhang et al. 2023', make: h2o },
  { kind: 'scissorhands', label: 'Scissorhands', rule: 'fewest below-average rows over a history window + recent window', paper: 'Liu et al. 2023', make: scissorhands },
  { kind: 'keyformer', label: 'Keyformer', rule: 'accumulated Gumbel-softmax of the logits, τ 1→2 + recent window (30%)', paper: 'Adnan et al. 2024', make: keyformer },
  { kind: 'a2sf', label: 'A2SF', rule: 'accumulated attention with forgetting factor λ = 0.95 + recent window', paper: 'Jo & Shin 2024', make: a2sf },
  { kind: 'snapkv', label: 'SnapKV', rule: 'observation window votes, pooled along keys, top-k once per prompt', paper: 'Li et al. 2024', make: snapKv },
  { kind: 'topk', label: 'ceiling (top-k)', rule: 'the best B keys of the current row (an oracle)', paper: '—', make: topk },
];

export const POLICY_KINDS: readonly PolicyKind[] = POLICIES.map((p) => p.kind);

export function policyInfo(kind: PolicyKind): PolicyInfo {
  const p = POLICIES.find((q) => q.kind === kind);
  if (!p) throw new Error(`Unknown eviction policy "${kind}"; known: ${POLICY_KINDS.join(', ')}.`);
  return p;
}

/** One policy instance for one head at one budget (tokens). */
export function createPolicy(kind: PolicyKind, params: PolicyParams, budget: number): OnlinePolicy {
  return policyInfo(kind).make(params, budget);
}
