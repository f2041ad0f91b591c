/**
 * The ceiling: the best top-k of the current row, an oracle. At step t it keeps the B keys with
 * the largest A[t, j] (ties: the newer key), which is the largest attention mass any set of B keys
 * can hold for row t, so every policy's kept mass is at most this at every step (a test checks
 * it). No cache can do this: it reads row t before choosing, and its masks are not nested.
 */

import type { OnlinePolicy, PolicyParams } from './policy';
import { checkBudget, topByPriority } from './policy';

export function topk(_params: PolicyParams, budget: number): OnlinePolicy {
  checkBudget(budget);
  return {
    kind: 'topk',
    budget,
    keep(t, row) {
      const m = new Uint8Array(t + 1);
      if (t + 1 <= budget) return m.fill(1);
      if (!row) throw new Error('The top-k ceiling is an oracle: it needs row t to choose the keys of step t.');
      const all = Array.from({ length: t + 1 }, (_, j) => j);
      for (const j of topByPriority(all, (j) => row[j]!, budget)) m[j] = 1;
      return m;
    },
    observe() {},
  };
}
