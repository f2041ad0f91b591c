/** The reference implementation of every block kind, by slot. One line per block. */
import type { RefContext } from './context';
import type { Mat } from './math';
import { learnedAbsolute } from './blocks/learnedAbsolute';
import { mlp } from './blocks/mlp';
import { layerNorm, rmsNorm } from './blocks/norms';
import { softmaxAttention } from './blocks/softmaxAttention';

type P = Record<string, unknown>;

/** A position reference: any of embed / rotate / bias, as the block has them. */
export interface RefPositionBlock {
  embed?(ctx: RefContext, x: Mat, p: P): Mat;
  /** Rotate one head's [T, headDim] queries or keys. */
  rotate?(ctx: RefContext, m: Mat, p: P): Mat;
  bias?(ctx: RefContext, h: number, i: number, j: number, p: P): number;
}

export const REF_MIXERS: Record<string, (ctx: RefContext, x: Mat, p: P) => { y: Mat; probs: Float64Array }> = {
  softmax_attention: softmaxAttention,
};

export const REF_NORMS: Record<string, (ctx: RefContext, x: Mat, p: P) => Mat> = {
  layer_norm: layerNorm,
  rms_norm: rmsNorm,
};

export const REF_FFNS: Record<string, (ctx: RefContext, x: Mat, p: P) => Mat> = {
  mlp,
};

export const REF_POSITIONS: Record<string, RefPositionBlock> = {
  learned_absolute: learnedAbsolute,
};
