// What the presets of block catalog III say about their maps, checked on the default text with
// their own random weights: the Informer-style model has 5·⌈ln 43⌉ = 20 active queries and 23 lazy
// ones (rows uniform over the earlier tokens); the Swin-style model's layer 0 keeps to windows of 8
// and its layer 1 to the same windows moved by 4.
import { describe, expect, it } from 'vitest';
import { findPreset } from '../../src/presets';
import { DEFAULT_TEXT } from '../../src/spec/defaults';
import { tokenize } from '../../src/spec/vocab';
import { runGraph } from '../blocks/harness';

async function maps(id: string) {
  const spec = findPreset(id)!.spec();
  const tokens = tokenize(DEFAULT_TEXT, spec.maxLen).ids;
  const out = await runGraph(spec, tokens, 'inspect');
  return { T: tokens.length, H: spec.nHeads, layer: (r: number) => out[`attn_probs.${r}`]!.data as Float32Array };
}

describe('Informer-style preset', () => {
  it('has 20 active and 23 lazy queries per head on the default text', async () => {
    const { T, H, layer } = await maps('informer');
    expect(T).toBe(43);
    for (const r of [0, 1]) {
      const p = layer(r);
      for (let h = 0; h < H; h++) {
        let lazy = 0;
        for (let i = 0; i < T; i++) {
          const row = Array.from({ length: i + 1 }, (_, j) => p[(h * T + i) * T + j]!);
          // A lazy row is the running mean: 1/(i+1) on every visible key. Row 0 is [1] either way;
          // count it as lazy only when u leaves it out, which the row itself cannot tell: skip it.
          if (i > 0 && row.every((w) => Math.abs(w - 1 / (i + 1)) < 1e-6)) lazy++;
        }
        expect([22, 23], `layer ${r} head ${h}`).toContain(lazy);
      }
    }
  });
});

describe('Swin-style preset', () => {
  it('keeps layer 0 to windows [8k, 8k + 8) and layer 1 to windows shifted by 4', async () => {
    const { T, H, layer } = await maps('swin');
    const windowOf = (i: number, shifted: boolean) => (shifted ? Math.floor((i + 4) / 8) : Math.floor(i / 8));
    for (const [r, shifted] of [[0, false], [1, true], [2, false], [3, true]] as const) {
      const p = layer(r);
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++)
          for (let j = 0; j < T; j++) {
            const w = p[(h * T + i) * T + j]!;
            const inside = j <= i && windowOf(i, shifted) === windowOf(j, shifted);
            if (inside) expect(w, `layer ${r} (${i}, ${j})`).toBeGreaterThan(0);
            else expect(w).toBe(0);
          }
    }
  });
});

describe('Block Transformer preset', () => {
  it('reads its own block causally and each earlier block evenly, nothing later', async () => {
    const { T, H, layer } = await maps('block-transformer');
    for (const r of [0, 3]) {
      const p = layer(r);
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++) {
          const g = Math.floor(i / 4);
          let sum = 0;
          for (let j = 0; j < T; j++) {
            const w = p[(h * T + i) * T + j]!;
            sum += w;
            if (j > i) expect(w).toBe(0);
            else if (Math.floor(j / 4) === g) expect(w).toBeGreaterThan(0);
            else if (g > 0) expect(w, `earlier block: the same weight on each of its tokens (${i}, ${j})`).toBeCloseTo(p[(h * T + i) * T + Math.floor(j / 4) * 4]!, 6);
          }
          expect(sum).toBeCloseTo(1, 5);
        }
    }
  });
});
