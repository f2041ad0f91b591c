/**
 * Test scaffolding the group mixers (Combiner, Block Transformer, TNT, FIT) share: reference cases,
 * the exact map's rows, no leak of later tokens, and the fast path's shape and agreement.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile';
import { numel } from '../../src/graph/ir';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { aloneSpec, arbitraryParams, expectFastMatchesInspect, expectMatchesReference, runGraph, TEXT, threeLayerSpec } from './harness';

type Params = Record<string, unknown>;

/** The placement of a group mixer `kind` with `params`. */
export const groupMixer = (kind: string) => (params: Params) => ({ mixer: { kind, params } });

/** Both paths against the float64 reference, alone and in a 3-layer model, for each case. */
export function describeReferenceCases(name: string, kind: string, cases: Params[]): void {
  const mixer = groupMixer(kind);
  describe.each(cases)(`${name} %j`, (params) => {
    it('matches the float64 reference alone, in both modes', () => expectMatchesReference(aloneSpec(mixer(params)), TEXT, 1e-4, 1e-4));
    it('matches the float64 reference inside a 3-layer model', () => expectMatchesReference(threeLayerSpec(mixer(params)), TEXT, 1e-4, 1e-4));
  });
}

/** Any parameters in range (those `valid` keeps) match the reference in both modes. */
export const expectArbitraryMatchReference = (kind: string, text: string, numRuns: number, valid: (p: Params) => boolean = () => true) =>
  fc.assert(
    fc.asyncProperty(arbitraryParams(kind).filter(valid), async (p) => {
      await expectMatchesReference(aloneSpec(groupMixer(kind)(p)), text, 1e-4, 1e-4);
    }),
    { numRuns },
  );

/**
 * The inspect map of layer 0 on TEXT, row by row: `cell(a, h, i, j)` checks each entry, and each
 * row (h, i) must sum to `rowSum(i)`.
 */
export async function expectMapRows(spec: Spec, cell: (a: number, h: number, i: number, j: number) => void, rowSum: (i: number) => number): Promise<void> {
  const tokens = tokenize(TEXT, spec.maxLen).ids;
  const T = tokens.length;
  const probs = (await runGraph(spec, tokens, 'inspect'))['attn_probs.0']!.data as Float32Array;
  for (let h = 0; h < spec.nHeads; h++)
    for (let i = 0; i < T; i++) {
      let sum = 0;
      for (let j = 0; j < T; j++) {
        const a = probs[(h * T + i) * T + j]!;
        sum += a;
        cell(a, h, i, j);
      }
      expect(Math.abs(sum - rowSum(i))).toBeLessThan(1e-5);
    }
}

/**
 * Maps that add a group-level term to the attention inside groups (TNT's outer attention, FIT's
 * latents), groups of 4: entries ≥ 0; when causal, zero above the diagonal and > 0 on every earlier
 * group (reached `via` the group-level term); rows sum to 1 (in-group) + 2 (the group-level term
 * reads v + u) wherever a group is read (every row when bidirectional, from the second group when causal).
 */
export async function expectGroupLevelMap(kind: string, via: string): Promise<void> {
  for (const causal of [true, false])
    await expectMapRows(
      aloneSpec(groupMixer(kind)({ block: 4, causal })),
      (a, h, i, j) => {
        expect(a).toBeGreaterThanOrEqual(0);
        if (causal && j > i) expect(a).toBe(0);
        if (causal && Math.floor(j / 4) < Math.floor(i / 4)) expect(a, `(${h}, ${i}, ${j}) reached through ${via}`).toBeGreaterThan(0);
      },
      (i) => (!causal || i >= 4 ? 3 : 1),
    );
}

/** The fast graph at T (spec built with maxLen T) has no tensor of T × T elements or more. */
export function expectNoTxT(spec: (model: Partial<Spec>) => Spec, T: number): void {
  const graph = compile(spec({ maxLen: T }), { T, mode: 'fast' });
  const big = graph.nodes.flatMap((n) => n.outputs.filter((o) => numel(o.shape) >= T * T).map((o) => `${n.op} ${o.shape}`));
  expect(big).toEqual([]);
}

/** Fast and inspect agree on exactly T tokens of `text` repeated, for each spec (built with maxLen T). */
export async function expectFastMatchesInspectAt(T: number, text: string, specs: ((model: Partial<Spec>) => Spec)[]): Promise<void> {
  const tokens = tokenize(text, T).ids;
  expect(tokens.length).toBe(T);
  for (const spec of specs) await expectFastMatchesInspect(spec({ maxLen: T }), tokens);
}

/**
 * Causality: with the block in a model, changing the token at position t leaves the logits at
 * every position before t unchanged, in both graph modes.
 */
export async function expectNoLeak(spec: Spec, text = TEXT): Promise<void> {
  const tokens = tokenize(text, spec.maxLen).ids;
  const T = tokens.length;
  for (const mode of ['fast', 'inspect'] as const) {
    const base = (await runGraph(spec, tokens, mode))['logits']!.data as Float32Array;
    const vocab = base.length / T;
    for (const t of [1, 5, 9, T - 2]) {
      const changed = [...tokens];
      changed[t] = tokens[t] === 5 ? 6 : 5;
      const out = (await runGraph(spec, changed, mode))['logits']!.data as Float32Array;
      for (let i = 0; i < t * vocab; i++) expect(out[i], `${mode}: position ${Math.floor(i / vocab)} moved when token ${t} changed`).toBe(base[i]);
      let moved = false;
      for (let i = t * vocab; i < T * vocab; i++) if (out[i] !== base[i]) moved = true;
      expect(moved, `${mode}: token ${t} changed nothing`).toBe(true);
    }
  }
}
