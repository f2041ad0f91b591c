/**
 * Costs read off compiled graphs for the serving projection: FLOPs of a mode's graph at a few
 * lengths, fitted (fit.ts), and the trainable parameters at a given maxLen. Counting FLOPs needs
 * no weights, so graphs are compiled with maxLen raised to the length sampled (a learned
 * position table's Gather costs 0 FLOPs whatever its size).
 */
import { compile } from '../../compiler/compile';
import { SWEEP_MAX_T } from '../../compiler/budget';
import { graphCost } from '../../graph/cost';
import type { Spec } from '../../spec/types';
import { fitCosts, sampleLengths, type CostFit } from './fit';

/** Lengths compiled for a fit: the SAMPLE_COUNT largest powers of two in [SAMPLE_MIN, SAMPLE_MAX]. */
export const SAMPLE_MAX = 4096;
export const SAMPLE_MIN = 128; // above the chunk sizes, so chunked mixers are on their general branch
export const SAMPLE_COUNT = 6;

/** The FLOPs of `spec`'s graph in `mode` at each sample length, fitted. */
export function fitMode(spec: Spec, mode: 'fast' | 'decode', lengths = sampleLengths(Math.min(SAMPLE_MAX, SWEEP_MAX_T), SAMPLE_COUNT, SAMPLE_MIN)): CostFit {
  return fitCosts(lengths.map((T) => ({ T, cost: graphCost(compile({ ...spec, maxLen: Math.max(spec.maxLen, T) }, { T, mode })).total.flops })));
}

/** Trainable parameters of `spec` built with `maxLen` (a tied weight counts once). */
export const paramsAt = (spec: Spec, maxLen: number) => graphCost(compile({ ...spec, maxLen }, { T: 1, mode: 'fast' })).total.params;

