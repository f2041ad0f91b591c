/**
 * The causality check the group mixers share: with the block in a model, changing the token at
 * position t leaves the logits at every position before t unchanged, in both graph modes.
 */
import { expect } from 'vitest';
import type { Spec } from '../../src/spec/types';
import { tokenize } from '../../src/spec/vocab';
import { TEXT } from './harness';
import { runGraph } from './harness';

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
