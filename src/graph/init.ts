/**
 * Seeded, deterministic initialisation.
 *
 * Each weight draws from its own stream, keyed by (model seed, weight name), so adding a layer or
 * changing the sequence length never changes the values of the weights that were already there.
 * Streams use sfc32 seeded through a 32-bit FNV-1a hash; normals come from Box–Muller.
 */

/** FNV-1a over UTF-16 code units, as an unsigned 32-bit integer. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A uniform [0, 1) generator (sfc32) for the given key. The state is kept as int32 (every step
 * ends in `| 0`), which gives the same bits as unsigned arithmetic and keeps V8 on small integers.
 */
export function uniformStream(seed: number, key: string): () => number {
  let a = fnv1a(`${seed}:${key}:a`) | 0;
  let b = fnv1a(`${seed}:${key}:b`) | 0;
  let c = fnv1a(`${seed}:${key}:c`) | 0;
  let d = 1;
  const next = (): number => {
    const t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    const r = (t + d) | 0;
    c = (c + r) | 0;
    return (r >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // let the state mix before use
  return next;
}

/**
 * `n` samples of N(0, std²) from the stream for `key`, freshly drawn: `uniformStream` through
 * Box–Muller. This draws every weight of a model (85 million for the gpt2-small preset).
 */
function drawNormal(seed: number, key: string, n: number, std: number): Float32Array {
  const uniform = uniformStream(seed, key);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - uniform(); // (0, 1]: log is finite
    const u2 = uniform();
    const radius = Math.sqrt(-2 * Math.log(u1));
    out[i] = radius * Math.cos(2 * Math.PI * u2) * std;
    if (i + 1 < n) out[i + 1] = radius * Math.sin(2 * Math.PI * u2) * std;
  }
  return out;
}

/**
 * Weights drawn recently, newest last, up to WEIGHT_CACHE_BYTES in all. Drawing is most of the
 * time it takes to compile a model (a 124M-parameter model draws for seconds), and most edits keep
 * most weights: another text length, another layer's kind, the inspect and the fast graph of one
 * model all read the same (seed, name, size) streams. The arrays are shared: nothing may write
 * into a weight's values.
 */
export const WEIGHT_CACHE_BYTES = 512 * 2 ** 20;
let limit = WEIGHT_CACHE_BYTES;
const drawn = new Map<string, { seed: number; values: Float32Array }>();
let drawnBytes = 0;

/** `n` samples of N(0, std²) from the stream for `key` (the same values every time; see above). */
export function normalValues(seed: number, key: string, n: number, std: number): Float32Array {
  const k = `${seed}\u0000${key}\u0000${n}\u0000${std}`;
  const hit = drawn.get(k);
  if (hit) {
    drawn.delete(k); // most recently used goes last
    drawn.set(k, hit);
    return hit.values;
  }
  const out = drawNormal(seed, key, n, std);
  if (out.byteLength <= limit) {
    drawn.set(k, { seed, values: out });
    drawnBytes += out.byteLength;
    for (const [oldKey, old] of drawn) {
      if (drawnBytes <= limit) break;
      forget(oldKey, old.values);
    }
  }
  return out;
}

function forget(key: string, values: Float32Array): void {
  drawn.delete(key);
  drawnBytes -= values.byteLength;
}

/**
 * Forgets the weights of every seed but `seeds` (the models on screen): weights of another seed are
 * never read again unless that seed comes back, and a page that tries seed after seed would
 * otherwise fill the cache to its limit.
 */
export function keepWeightsOfSeeds(seeds: readonly number[]): void {
  for (const [key, entry] of drawn) if (!seeds.includes(entry.seed)) forget(key, entry.values);
}

/** Bytes of weights the cache holds now. */
export function cachedWeightBytes(): number {
  return drawnBytes;
}

/** Forgets every cached weight, and sets how many bytes the cache may hold from now on. */
export function clearWeightCache(limitBytes = WEIGHT_CACHE_BYTES): void {
  drawn.clear();
  drawnBytes = 0;
  limit = limitBytes;
}
