/**
 * A spec as the serving projection sees it (projection.ts's ServingModel), from the compiler and
 * the blocks' declared decode state:
 *
 * - prefill FLOPs F(T): the fast graph's cost (src/graph/cost.ts) compiled at SAMPLE_COUNT powers
 *   of two up to SAMPLE_MAX, fitted by an exact polynomial (fit.ts) that must reproduce the
 *   held-out compiled lengths, then evaluated at any L up to 1M;
 * - decode FLOPs f(C): the decode graph's cost (compile mode 'decode', capacity C), fitted the same way;
 * - state S(L): decodeState(spec, L) (src/decode/state.ts), the bytes each mixer keeps between
 *   tokens: K/V caches (capped by a window where the mixer has one), recurrent states;
 * - parameters N(L): the trainable parameters; a learned position table (one row per position up to
 *   maxLen) must grow to L rows for a longer context, so N(L) = N + (L − maxLen)·(parameters per row).
 *
 * Counting FLOPs needs no weights, so graphs are compiled with maxLen raised to the length sampled
 * (a learned table's Gather costs 0 FLOPs whatever its size).
 */
import { SWEEP_MAX_T } from '../../compiler/budget';
import { decodeState } from '../../decode/state';
import type { Spec } from '../../spec/types';
import { fitMode, paramsAt } from './compiled';
import type { CostFit } from './fit';
import type { ServingModel } from './projection';

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The serving model of `spec`. Throws SpecError for a spec that does not compile. */
export function servingModel(spec: Spec): ServingModel {
  const base = paramsAt(spec, spec.maxLen);
  // Parameters one more position adds (a learned table's row), from maxLen ± 1 (maxLen's ceiling is SWEEP_MAX_T).
  const perPosition = spec.maxLen < SWEEP_MAX_T ? paramsAt(spec, spec.maxLen + 1) - base : base - paramsAt(spec, spec.maxLen - 1);
  let decode: CostFit | null = null;
  let decodeMissing: string | null = null;
  try {
    decode = fitMode(spec, 'decode');
  } catch (e) {
    decodeMissing = errorText(e);
  }
  let state: ServingModel['state'] = null;
  let stateMissing: string | null = null;
  try {
    decodeState(spec, 1);
    state = (L) => {
      const s = { cache: 0, recurrent: 0 };
      for (const row of decodeState(spec, L)) s[row.kind] += row.bytes;
      return s;
    };
  } catch (e) {
    stateMissing = errorText(e);
  }
  return {
    name: spec.name,
    params: (L) => base + Math.max(0, L - spec.maxLen) * perPosition,
    maxLen: spec.maxLen,
    positionsLimited: perPosition > 0,
    prefill: fitMode(spec, 'fast'),
    decode,
    decodeMissing,
    state,
    stateMissing,
  };
}
