/**
 * The roofline bound, as "Challenges in Deploying Long-Context Transformers: A Theoretical Peak
 * Performance Analysis" (Fu, 2024) uses it: a step cannot take less time than its arithmetic at
 * the accelerator's peak FLOP/s, nor less than the bytes it must move at its peak memory
 * bandwidth, so
 *
 *   latency ≥ max(FLOPs / peak FLOP/s, bytes / bandwidth)
 *
 * Prefill (many tokens at once) is compute-bound, decoding (one token reading the weights and the
 * whole KV cache) memory-bound: the paper's framing, which the two terms here show side by side.
 * It is a lower bound, never a prediction: kernels reach a fraction of peak, and the overlap of
 * compute and memory traffic is assumed perfect.
 */

export interface Roofline {
  /** FLOPs / peak, seconds. */
  computeS: number;
  /** bytes / bandwidth, seconds. */
  memoryS: number;
  /** max of the two: the bound. */
  boundS: number;
  /** Which term sets the bound. */
  limit: 'compute' | 'memory';
}

export function roofline(flops: number, bytes: number, peakFlops: number, bandwidth: number): Roofline {
  const computeS = flops / peakFlops;
  const memoryS = bytes / bandwidth;
  return { computeS, memoryS, boundS: Math.max(computeS, memoryS), limit: computeS >= memoryS ? 'compute' : 'memory' };
}

/**
 * The longest context L ≤ maxL whose memory `need(L)` fits in `capacity` bytes, found by bisection
 * (need must not decrease with L). 0 when not even L = 1 fits; maxL when everything up to it fits.
 */
export function longestFitting(need: (L: number) => number, capacity: number, maxL: number): number {
  if (need(1) > capacity) return 0;
  if (need(maxL) <= capacity) return maxL;
  let lo = 1; // fits
  let hi = maxL; // does not fit
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (need(mid) <= capacity) lo = mid;
    else hi = mid;
  }
  return lo;
}
