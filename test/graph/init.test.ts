import { describe, expect, it } from 'vitest';
import { cachedWeightBytes, clearWeightCache, fnv1a, keepWeightsOfSeeds, normalValues, uniformStream } from '../../src/graph/init';

describe('seeded initialisation', () => {
  it('FNV-1a matches its published test vectors', () => {
    expect(fnv1a('')).toBe(0x811c9dc5);
    expect(fnv1a('a')).toBe(0xe40c292c);
    expect(fnv1a('foobar')).toBe(0xbf9cf968);
  });

  it('is deterministic per (seed, name) and differs across names and seeds', () => {
    const a = Array.from(normalValues(1, 'layers.0.mixer.wq', 64, 1));
    clearWeightCache(); // drawn again, not remembered
    expect(Array.from(normalValues(1, 'layers.0.mixer.wq', 64, 1))).toEqual(a);
    expect(Array.from(normalValues(1, 'layers.0.mixer.wk', 64, 1))).not.toEqual(Array.from(a));
    expect(Array.from(normalValues(2, 'layers.0.mixer.wq', 64, 1))).not.toEqual(Array.from(a));
  });

  it('remembers recent draws (the same array) and forgets the oldest beyond its byte limit', () => {
    clearWeightCache(16_000);
    const a = normalValues(3, 'a', 100, 1);
    expect(normalValues(3, 'a', 100, 1)).toBe(a);
    expect(normalValues(3, 'a', 100, 2)).not.toBe(a); // another std is another stream's use
    // Draws of 3/8 of the limit each: a third pushes out the least recently used.
    const n = 1500;
    const first = normalValues(3, 'big1', n, 1);
    const second = normalValues(3, 'big2', n, 1);
    expect(normalValues(3, 'big1', n, 1) === first).toBe(true); // used again: now the newest
    normalValues(3, 'big3', n, 1);
    expect(normalValues(3, 'big1', n, 1) === first).toBe(true);
    expect(normalValues(3, 'big2', n, 1) === second).toBe(false);
    expect(normalValues(4, 'huge', 5000, 1)).not.toBe(normalValues(4, 'huge', 5000, 1)); // over the limit: never kept
    clearWeightCache();
  });

  it('forgets the weights of seeds no model on screen uses', () => {
    clearWeightCache();
    const a = normalValues(1, 'w', 100, 1);
    const b = normalValues(2, 'w', 100, 1);
    expect(cachedWeightBytes()).toBe(800);
    keepWeightsOfSeeds([2]);
    expect(cachedWeightBytes()).toBe(400);
    expect(normalValues(2, 'w', 100, 1)).toBe(b);
    expect(normalValues(1, 'w', 100, 1)).not.toBe(a);
    clearWeightCache();
  });

  it('draws N(0, std²): sample mean and standard deviation within sampling error', () => {
    const n = 200_000;
    const xs = normalValues(7, 'w', n, 0.5);
    let mean = 0;
    for (const x of xs) mean += x;
    mean /= n;
    let v = 0;
    for (const x of xs) v += (x - mean) ** 2;
    const std = Math.sqrt(v / (n - 1));
    expect(Math.abs(mean)).toBeLessThan(5 * (0.5 / Math.sqrt(n)));
    expect(Math.abs(std - 0.5)).toBeLessThan(0.005);
    // about 68.3% within one standard deviation
    const within = xs.filter((x) => Math.abs(x) < 0.5).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.005);
  });

  it('is Box–Muller over uniformStream, bit for bit (the loop writes the generator out; the weights must not move)', () => {
    const reference = (seed: number, key: string, n: number, std: number) => {
      const uniform = uniformStream(seed, key);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i += 2) {
        const u1 = 1 - uniform();
        const u2 = uniform();
        const r = Math.sqrt(-2 * Math.log(u1));
        out[i] = r * Math.cos(2 * Math.PI * u2) * std;
        if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2) * std;
      }
      return out;
    };
    for (const [seed, key, n, std] of [[1, 'embed.tokens', 97 * 64, 1], [2147483647, 'layers.11.ffn.w2', 3072 * 7 + 1, 0.018], [0, '', 1, 0.5]] as const) {
      expect(Buffer.from(normalValues(seed, key, n, std).buffer).equals(Buffer.from(reference(seed, key, n, std).buffer)), `${seed} ${key}`).toBe(true);
    }
    // A pinned value, so a change to the stream itself shows too.
    expect(normalValues(1, 'layers.0.mixer.wq', 2, 1)[0]).toMatchInlineSnapshot(`-3.232999324798584`);
  });
});

