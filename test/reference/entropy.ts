/** Row entropies of reference maps (the graph's attn_entropy): −Σ p log p per row, 0 · log 0 = 0. */
import { entropy } from './math';

/** Row entropies [H, T] of maps [H, T, T]. */
export function rowEntropies(probs: Float64Array, H: number, T: number): Float64Array {
  const out = new Float64Array(H * T);
  for (let r = 0; r < H * T; r++) out[r] = entropy(Array.from(probs.subarray(r * T, (r + 1) * T)));
  return out;
}
