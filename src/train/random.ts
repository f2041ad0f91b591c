/**
 * A small seeded random number generator for training data: the same seed gives the same numbers
 * in every browser and in Node, because everything is 32-bit integer arithmetic (Math.imul and
 * unsigned shifts) and no floating point enters a draw.
 *
 * The generator is SplitMix32: a Weyl sequence (state += 0x9e3779b9, the golden ratio in 32 bits)
 * passed through a mixing function, the 32-bit finaliser of MurmurHash3 (multiply, xor-shift,
 * multiply, xor-shift by 16, 13, 16; constants 0x85ebca6b and 0xc2b2ae35). It is not
 * cryptographic; it is fast, has period 2^32 per stream, and its output passes the usual
 * equidistribution checks well enough for toy tasks. `hash32` uses the same finaliser to derive
 * independent stream seeds from several integers (a run seed, a stream id, a row index), so that
 * row i of a batch does not depend on how many rows came before it.
 */

const GOLDEN = 0x9e3779b9;

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit integers that spreads every input bit. */
export function mix32(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A 32-bit hash of a list of integers (each taken modulo 2^32): a seed for one stream. */
export function hash32(...values: number[]): number {
  let h = 0x2545f491;
  for (const v of values) h = mix32((h + GOLDEN + (v >>> 0)) >>> 0) ^ Math.imul(h, 0x27d4eb2d);
  return mix32(h);
}

/** A 32-bit hash of a string's UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = mix32((h ^ s.charCodeAt(i)) >>> 0);
  return mix32((h + s.length) >>> 0);
}

/** SplitMix32: one stream of 32-bit draws from a seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next draw, an integer in [0, 2^32). */
  next(): number {
    this.state = (this.state + GOLDEN) >>> 0;
    return mix32(this.state);
  }

  /** An integer in [0, n), uniform: draws that fall in the incomplete last block of 2^32 are redrawn. */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new Error(`Rng.int: n must be a whole number from 1 to 2^32, got ${n}`);
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }

  /** An integer in [lo, hi], both included. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** A number in [0, 1) with 32 random bits. */
  float(): number {
    return this.next() / 2 ** 32;
  }

  /** `xs` in a uniformly random order (Fisher–Yates), as a new array. */
  shuffle<T>(xs: readonly T[]): T[] {
    const a = xs.slice();
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [a[i], a[j]] = [a[j]!, a[i]!];
    }
    return a;
  }

  /** k distinct items of `xs`, in random order. */
  pick<T>(xs: readonly T[], k: number): T[] {
    return this.shuffle(xs).slice(0, k);
  }
}
