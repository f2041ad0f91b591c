/**
 * Maps made small enough to show: the worker keeps every layer's full maps and sends the views
 * only what they draw. A map larger than `maxSide` cells a side is downsampled by block means:
 * with block b = ⌈T / maxSide⌉, cell (I, J) is the mean of the weights of queries I·b … I·b + b − 1
 * and keys J·b … J·b + b − 1 that exist (the last block may be partial). A row of block means
 * sums to (row sums of its queries, averaged) / b, so the exact weights of long texts are read
 * from the cells, not the row sums.
 */

/** A square map of `side` cells, each the mean of a `block` × `block` square of the full [T, T] map. */
export interface SmallMap {
  T: number;
  side: number;
  block: number;
  values: Float32Array;
}

/** The block size and side that fit a [T, T] map into at most `maxSide` cells a side. */
export function blockFor(T: number, maxSide: number): { block: number; side: number } {
  const block = Math.max(1, Math.ceil(T / Math.max(1, maxSide)));
  return { block, side: Math.ceil(T / block) };
}

/**
 * Head `head` of `maps` [H, T, T], downsampled by block means to at most `maxSide` a side
 * (`magnitude`: means of |w|, for thumbnails that show where the weight is whatever its sign).
 */
export function downsample(maps: Float32Array, T: number, head: number, maxSide: number, magnitude = false): SmallMap {
  const { block, side } = blockFor(T, maxSide);
  const base = head * T * T;
  if (block === 1) return { T, side, block, values: maps.slice(base, base + T * T) };
  const sums = new Float64Array(side * side);
  const counts = new Float64Array(side * side);
  for (let i = 0; i < T; i++) {
    const row = ((i / block) | 0) * side;
    for (let j = 0; j < T; j++) {
      const v = maps[base + i * T + j]!;
      const k = row + ((j / block) | 0);
      sums[k] = sums[k]! + (magnitude ? Math.abs(v) : v);
      counts[k] = counts[k]! + 1;
    }
  }
  return { T, side, block, values: Float32Array.from(sums, (s, k) => s / counts[k]!) };
}

/** For every row of `maps` [H, T, T]: how many keys get a nonzero weight → [H, T]. */
export function rowSupport(maps: Float32Array, H: number, T: number): Uint16Array {
  const out = new Uint16Array(H * T);
  for (let r = 0; r < H * T; r++) {
    let n = 0;
    for (let j = 0; j < T; j++) if (maps[r * T + j] !== 0) n++;
    out[r] = n;
  }
  return out;
}

/**
 * Entropy in nats of every row of `maps` [H, T, T] → [H, T], as the compiled graphs' probes compute
 * it (src/compiler/compile.ts, rowEntropy): the row read as p = |A| / Σ|A|, 0·log 0 counted as 0.
 * For maps that come from outside the compiler (an opened model's tapped Softmax outputs).
 */
export function rowEntropies(maps: Float32Array, H: number, T: number): Float32Array {
  const out = new Float32Array(H * T);
  for (let r = 0; r < H * T; r++) {
    let total = 0;
    for (let j = 0; j < T; j++) total += Math.abs(maps[r * T + j]!);
    total = Math.max(total, 1e-30);
    let e = 0;
    for (let j = 0; j < T; j++) {
      const p = Math.abs(maps[r * T + j]!) / total;
      e -= p * Math.log(Math.max(p, 1e-30));
    }
    out[r] = e;
  }
  return out;
}
