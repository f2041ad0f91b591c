/**
 * PoolFormer's pooling mixer reference: for each token, the plain average of the tokens in its
 * window that exist (count_include_pad=False), minus the token. Causal: the k tokens ending at i;
 * otherwise the k tokens centred on i. The map is P − I, the same for every head.
 */
import type { RefContext, References } from '../reference/context';
import { mat, type Mat } from '../reference/math';

type P = Record<string, unknown>;

export function pooling(ctx: RefContext, x: Mat, p: P): { y: Mat; probs: Float64Array } {
  const { T, nHeads: H, dModel: d } = ctx;
  const k = p['size'] as number;
  const causal = p['causal'] !== false;
  const inWindow = (i: number, j: number) => (causal ? j <= i && i - j < k : Math.abs(i - j) <= (k - 1) / 2);
  const y = mat(T, d);
  const probs = new Float64Array(H * T * T);
  for (let i = 0; i < T; i++) {
    const members: number[] = [];
    for (let j = 0; j < T; j++) if (inWindow(i, j)) members.push(j);
    for (let c = 0; c < d; c++) {
      let sum = 0;
      for (const j of members) sum += x.v[j * d + c]!;
      y.v[i * d + c] = sum / members.length - x.v[i * d + c]!;
    }
    for (let h = 0; h < H; h++) for (let j = 0; j < T; j++) probs[(h * T + i) * T + j] = (inWindow(i, j) ? 1 / members.length : 0) - (i === j ? 1 : 0);
  }
  return { y, probs };
}

/** What this file is the reference of, by slot and kind (test/reference/forward64.ts finds it here). */
export const references: References = { mixer: { pooling } };
