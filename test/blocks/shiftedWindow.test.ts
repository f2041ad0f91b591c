// Swin's shifted-window attention in 1-D: both paths against the float64 reference (alone = an
// unshifted layer, in the middle of a 3-layer model = a shifted one, in a loop), the windows of its
// map on even and odd layer runs, FlatFormer's 1-D groups, an O(T·w) fast graph, refusals, and the
// gradient of a shifted layer with its relative bias.
import { describe, expect, it } from 'vitest';
import { windowOffset } from '../../src/blocks/shiftedWindow';
import { compile } from '../../src/compiler/compile';
import { defaultLayer } from '../../src/spec/defaults';
import { validateSpec } from '../../src/spec/schema';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { expectGradientsMatch } from '../train/gradcheck';
import { aloneSpec, expectFastMatchesInspect, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';
import { expectRefusesOutOfRange } from './refusal';

const mixer = (params: Record<string, unknown>) => ({ mixer: { kind: 'shifted_window', params } });

/** `n` layers, all with this mixer (layer runs 0, 1, …: unshifted, shifted, …). */
const stack = (params: Record<string, unknown>, n: number, model: Partial<Spec> = {}): Spec => {
  const spec = aloneSpec(mixer(params), model);
  return { ...spec, layers: Array.from({ length: n }, () => ({ ...defaultLayer(), ...mixer(params) })) };
};

const CASES: Record<string, unknown>[] = [{}, { causal: false }, { window: 5 }, { window: 4, causal: false }, { window: 7, relativeBias: false }, { window: 6, shift: false }, { window: 64 }, { window: 1 }];

describe.each(CASES)('shifted_window %j', (params) => {
  it('matches the float64 reference alone (an unshifted layer), in both modes', () => expectMatchesReference(aloneSpec(mixer(params))));
  it('matches the float64 reference in the middle of a 3-layer model (a shifted layer)', () => expectMatchesReference(threeLayerSpec(mixer(params))));
});

describe('shifted_window in stacks, loops and short sequences', () => {
  it('two shifted-window layers, then a loop of one layer run three times', async () => {
    await expectMatchesReference(stack({ window: 4 }, 2));
    await expectMatchesReference({ ...stack({ window: 5, causal: false }, 1), loops: [{ start: 0, end: 0, count: 3 }] });
  });
  it.each([
    ['a', { window: 4 }],
    ['abc', { window: 2, causal: false }],
    ['abcd', { window: 4 }],
  ])('%j %j in a 3-layer model', async (text, params) => {
    await expectMatchesReference(threeLayerSpec(mixer(params)), text);
  });
  it('with RoPE', () => expectMatchesReference(threeLayerSpec({ ...mixer({ window: 6 }), position: { kind: 'rope', params: {} } })));
});

/** Window number of each position as the map shows it: the first key of each row's visible block. */
async function windowsOfMap(spec: Spec, r: number) {
  const tokens = tokenize(TEXT, spec.maxLen).ids;
  const T = tokens.length;
  const probs = (await runGraph(spec, tokens, 'inspect'))[`attn_probs.${r}`]!.data;
  return { T, H: spec.nHeads, probs };
}

describe('the windows of the map', () => {
  it.each([
    [8, true],
    [5, false],
  ])('w = %i, causal %s: blocks [0, w), [w, 2w), … on even runs, [0, s), [s, s + w), … on odd runs', async (w, causal) => {
    const spec = { ...stack({ window: w, causal }, 1), loops: [{ start: 0, end: 0, count: 2 }] };
    const s = Math.floor(w / 2);
    for (const r of [0, 1]) {
      const { T, H, probs } = await windowsOfMap(spec, r);
      // The windows by hand: cut points at multiples of w, or at s, s + w, … when shifted.
      const cuts = r === 0 ? Array.from({ length: T }, (_, i) => i).filter((i) => i % w === 0) : [0, ...Array.from({ length: T }, (_, i) => i).filter((i) => i >= s && (i - s) % w === 0)];
      const windowOf = (i: number) => cuts.filter((c) => c <= i).length;
      for (let h = 0; h < H; h++)
        for (let i = 0; i < T; i++) {
          let sum = 0;
          for (let j = 0; j < T; j++) {
            const a = probs[(h * T + i) * T + j]!;
            sum += a;
            const visible = windowOf(i) === windowOf(j) && (!causal || j <= i);
            if (visible) expect(a, `run ${r} (${h}, ${i}, ${j})`).toBeGreaterThan(0);
            else expect(a, `run ${r} (${h}, ${i}, ${j})`).toBe(0);
          }
          expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
        }
    }
  });

  it('windowOffset: shifted on odd runs only, never when T ≤ w or w = 1, nor with shift off', () => {
    expect([0, 1, 2, 3].map((r) => windowOffset(37, 8, r, true))).toEqual([0, 4, 0, 4]);
    expect(windowOffset(37, 7, 1, true)).toBe(4); // s = 3: windows [0, 3), [3, 10), …
    expect(windowOffset(8, 8, 1, true)).toBe(0);
    expect(windowOffset(37, 1, 1, true)).toBe(0);
    expect(windowOffset(37, 8, 1, false)).toBe(0);
  });

  it("FlatFormer's 1-D groups (sort by shifted window key, equal-size groups) are the unshifted windows", () => {
    // FlattenedWindowMapping in 1-D (y constant): key = ⌊(x + shift)/w⌋·w + (x + shift) mod w,
    // sort, then groups of g consecutive entries of the sorted order.
    const T = 37;
    for (const [w, g] of [[8, 8], [9, 5]] as const)
      for (const shift of [0, Math.floor(w / 2)]) {
        const key = (x: number) => Math.floor((x + shift) / w) * w + ((x + shift) % w);
        const order = Array.from({ length: T }, (_, x) => x).sort((a, b) => key(a) - key(b));
        expect(order).toEqual(Array.from({ length: T }, (_, x) => x));
        const groups = order.map((x, rank) => [x, Math.floor(rank / g)] as const);
        for (const [x, group] of groups) expect(group).toBe(Math.floor((x + windowOffset(T, g, 0, true)) / g));
      }
    // The y-major key of one row (y constant): window-major, every other window reversed. Unshifted,
    // with groups of one window (g = w), the groups are again the windows [0, w), [w, 2w), ….
    for (const w of [4, 8])
      for (const shift of [0]) {
        const key = (x: number) => {
          const [x1, x2] = [Math.floor((x + shift) / w), (x + shift) % w];
          return x1 * 2 * w + (x1 % 2 === 0 ? x2 : w - 1 - x2);
        };
        const order = Array.from({ length: T }, (_, x) => x).sort((a, b) => key(a) - key(b));
        const groups = new Map<number, number[]>();
        order.forEach((x, rank) => groups.set(Math.floor(rank / w), [...(groups.get(Math.floor(rank / w)) ?? []), x]));
        // Each group is one window of the (possibly shifted) grid, in some order, as a set.
        for (const members of groups.values()) expect(new Set(members.map((x) => Math.floor((x + shift) / w))).size).toBe(1);
      }
  });
});

describe('shifted_window fast path', () => {
  it('is linear in T for a fixed window: no tensor has two axes of length T, and the largest doubles with T', () => {
    const largest = (T: number, params: Record<string, unknown>) => {
      const graph = compile(stack(params, 2, { maxLen: T }), { T, mode: 'fast' });
      for (const n of graph.nodes) for (const o of n.outputs) expect(o.shape.filter((s) => s === T).length, `${n.op} ${o.shape}`).toBeLessThan(2);
      return Math.max(...graph.nodes.flatMap((n) => n.outputs.map((o) => o.shape.reduce((a, b) => a * b, 1))));
    };
    for (const params of [{ window: 16 }, { window: 16, causal: false }]) expect(largest(2048, params) / largest(1024, params)).toBeLessThan(2.1);
  });

  it('runs at T = 512 (two layers, the second shifted) and agrees with the inspect form', async () => {
    const T = 512;
    const tokens = tokenize('windows, then shifted windows. '.repeat(20), T).ids;
    expect(tokens.length).toBe(T);
    for (const causal of [true, false]) await expectFastMatchesInspect(stack({ window: 24, causal }, 2, { maxLen: T }), tokens);
  });
});

describe('shifted_window parameters and gradient', () => {
  it('defaults to window 8, shifted, with relative bias, causal', () => {
    const r = validateSpec(aloneSpec(mixer({})));
    expect(r.ok && r.spec.layers[0]!.mixer.params).toEqual({ window: 8, shift: true, relativeBias: true, causal: true });
  });

  it('refuses parameters out of range, naming block, parameter and range', () => {
    expectRefusesOutOfRange('mixer', 'shifted_window', (p) => aloneSpec(mixer(p)), 'layers.0.mixer');
  });

  // The registry-wide check runs one unshifted layer; here the second layer is shifted (windows
  // [0, 2), [2, 6), [6, 8) at T = 8) and the relative bias of both is checked.
  it.each([true, false])('gradient of two layers, the second shifted (causal %s)', async (causal) => {
    await expectGradientsMatch(stack({ window: 4, causal }, 2, { dModel: 16, nHeads: 2, maxLen: 16 }), { B: 2 });
  }, 300_000);
});
