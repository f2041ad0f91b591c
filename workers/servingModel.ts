/**
 * A spec as the serving projection sees it (src/analysis/serving/projection.ts's ServingModel),
 * built here because it compiles graphs:
 *
 * - prefill FLOPs F(T): the fast graph's cost (src/graph/cost.ts) compiled at SAMPLE_COUNT powers
 *   of two in [SAMPLE_MIN, SAMPLE_MAX], fitted by the exact polynomial of src/analysis/serving/fit.ts
 *   (accepted as exact only when it reproduces the held-out compiled lengths), evaluated at any L;
 * - decode FLOPs f(C): the decode graph's cost (compile mode 'decode', cache capacity C), fitted the same way;
 * - state S(L): decodeState(spec, L) (src/decode/decodeState.ts), read as constant + perToken·min(L, cap)
 *   per tensor and checked against decodeState at lengths up to 2^20;
 * - parameters N(L): the trainable parameters; a learned position table (one row per position up to
 *   maxLen) must grow to L rows for a longer context: N(L) = N + (L − maxLen)·(parameters per row).
 *
 * Counting FLOPs needs no weights, so graphs are compiled with maxLen raised to the length sampled
 * (a learned table's Gather costs 0 FLOPs whatever its size).
 */
import { compile } from '../src/compiler/compile';
import { SWEEP_MAX_T } from '../src/compiler/budget';
import { decodeState } from '../src/decode/decodeState';
import { graphCost } from '../src/graph/cost';
import { fitCosts, sampleLengths, type CostFit } from '../src/analysis/serving/fit';
import { MAX_CONTEXT, stateBytesAt, type ServingModel, type StateForm } from '../src/analysis/serving/projection';
import type { Spec } from '../src/spec/types';

/** Lengths compiled for a fit: the SAMPLE_COUNT largest powers of two in [SAMPLE_MIN, SAMPLE_MAX]. */
export const SAMPLE_MAX = 4096;
export const SAMPLE_MIN = 128; // above the chunk sizes, so chunked mixers are on their general branch
export const SAMPLE_COUNT = 6;

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** FLOPs of `spec`'s graph in `mode` at length T (batch 1). */
export const flopsAt = (spec: Spec, mode: 'fast' | 'decode', T: number): number => graphCost(compile({ ...spec, maxLen: Math.max(spec.maxLen, T) }, { T, mode })).total.flops;

/** The FLOPs of `spec`'s graph in `mode` at each sample length, fitted. */
export function fitMode(spec: Spec, mode: 'fast' | 'decode', lengths = sampleLengths(Math.min(SAMPLE_MAX, SWEEP_MAX_T), SAMPLE_COUNT, SAMPLE_MIN)): CostFit {
  return fitCosts(lengths.map((T) => ({ T, cost: flopsAt(spec, mode, T) })));
}

/** Trainable parameters of `spec` built with `maxLen` (a tied weight counts once). */
const paramsWith = (spec: Spec, maxLen: number) => graphCost(compile({ ...spec, maxLen }, { T: 1, mode: 'fast' })).total.params;

/** Lengths at which a state form is checked against decodeState: 1, 2, 3, then powers of 4 up to 2^20. */
const CHECK_LENGTHS = [1, 2, 3, ...Array.from({ length: 10 }, (_, i) => 4 ** (i + 1))];

/**
 * decodeState(spec, ·) as constant + perToken·min(L, cap) per tensor: perToken from L = 1 → 2,
 * the cap (if any) as the last L where the bytes still grow, found by bisection; then checked at
 * CHECK_LENGTHS. Throws when a tensor is not of that form.
 */
export function stateForms(spec: Spec): StateForm[] {
  const at = (L: number) => decodeState(spec, L).entries;
  const refused = decodeState(spec, 1).refused;
  if (refused.length) throw new Error(`layer run ${refused[0]!.run} cannot decode token by token: ${refused[0]!.reason}`);
  const one = at(1);
  const two = at(2);
  return one.map((row, i) => {
    const perToken = two[i]!.bytes - row.bytes;
    const constant = row.bytes - perToken;
    const linear = (L: number) => at(L)[i]!.bytes === constant + perToken * L;
    let cap: number | null = null;
    if (perToken > 0 && !linear(MAX_CONTEXT)) {
      let lo = 2; // linear up to lo
      let hi = MAX_CONTEXT; // not linear at hi
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (linear(mid)) lo = mid;
        else hi = mid;
      }
      cap = lo;
    }
    const form: StateForm = { run: row.run, name: row.name, kind: row.kind, constant, perToken, cap };
    for (const L of CHECK_LENGTHS) {
      const declared = at(L)[i]!.bytes;
      if (stateBytesAt(form, L) !== declared)
        throw new Error(`the state ${row.name} of layer run ${row.run} is not of the form a + b·min(L, w) (${declared} bytes at L = ${L})`);
    }
    return form;
  });
}

/** The serving model of `spec`. Throws SpecError for a spec that does not compile. */
export function servingModel(spec: Spec): ServingModel {
  const base = paramsWith(spec, spec.maxLen);
  // Parameters one more position adds (a learned table's row), from maxLen ± 1 (maxLen's ceiling is SWEEP_MAX_T).
  const perPosition = spec.maxLen < SWEEP_MAX_T ? paramsWith(spec, spec.maxLen + 1) - base : base - paramsWith(spec, spec.maxLen - 1);
  let decode: CostFit | null = null;
  let decodeMissing: string | null = null;
  try {
    decode = fitMode(spec, 'decode');
  } catch (e) {
    decodeMissing = errorText(e);
  }
  let state: StateForm[] | null = null;
  let stateMissing: string | null = null;
  try {
    state = stateForms(spec);
  } catch (e) {
    stateMissing = errorText(e);
  }
  return { name: spec.name, params: { base, perPosition }, maxLen: spec.maxLen, positionsLimited: perPosition > 0, prefill: fitMode(spec, 'fast'), decode, decodeMissing, state, stateMissing };
}
