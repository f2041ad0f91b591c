/** The reference implementation of every block kind, by slot. One line per block. */
import type { RefContext } from './context';
import type { Mat } from './math';
import { learnedAbsolute } from './blocks/learnedAbsolute';
import { nope } from './blocks/nope';
import { sinusoidal } from './blocks/sinusoidal';
import { rope } from './blocks/rope';
import { alibi } from './blocks/alibi';
import { t5Bias } from './blocks/t5Bias';
import { glu } from './blocks/glu';
import { mlp } from './blocks/mlp';
import { moe } from './blocks/moe';
import { polycom } from './blocks/polycom';
import { layerNorm, rmsNorm } from './blocks/norms';
import { mamba2 } from './blocks/mamba2';
import { deltaNet } from './blocks/deltaNet';
import { pooling } from './blocks/pooling';
import { spectral } from './blocks/spectral';
import { lmu } from './blocks/lmu';
import { dilatedAttention, minimalAttention, powerSoftmax, retentionDecay, selectiveAttention, sinkAttention, slidingWindow, softmaxAttention } from './blocks/attention';
import { linearAttention, slab } from './blocks/linearAttention';
import { retention } from './blocks/retention';

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
  sliding_window: slidingWindow,
  dilated_attention: dilatedAttention,
  sink_attention: sinkAttention,
  selective_attention: selectiveAttention,
  power_softmax: powerSoftmax,
  minimal_attention: minimalAttention,
  retention_decay: retentionDecay,
  linear_attention: linearAttention,
  slab,
  retention,
  mamba2,
  deltanet: deltaNet,
  pooling,
  spectral,
  lmu,
};

export const REF_NORMS: Record<string, (ctx: RefContext, x: Mat, p: P) => Mat> = {
  layer_norm: layerNorm,
  rms_norm: rmsNorm,
  none: (_ctx, x) => x,
};

export const REF_FFNS: Record<string, (ctx: RefContext, x: Mat, p: P) => Mat> = {
  mlp,
  glu,
  polycom,
  moe,
};

export const REF_POSITIONS: Record<string, RefPositionBlock> = {
  learned_absolute: learnedAbsolute,
  nope,
  sinusoidal,
  rope,
  alibi,
  t5_bias: t5Bias,
};
