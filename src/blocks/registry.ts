/** Every block the playground knows, one line each. */
import type { Block, Slot } from './define';
import ladder from './ladder';
import layerNorm from './layerNorm';
import parallel from './parallel';
import sequential from './sequential';
import learnedAbsolute from './learnedAbsolute';
import nope from './nope';
import sinusoidal from './sinusoidal';
import rope from './rope';
import alibi from './alibi';
import t5Bias from './t5Bias';
import glu from './glu';
import mlp from './mlp';
import moe from './moe';
import matformer from './matformer';
import noFfn from './noFfn';
import polycom from './polycom';
import noNorm from './noNorm';
import crmsNorm from './crmsNorm';
import repBatchNorm from './repBatchNorm';
import rmsNorm from './rmsNorm';
import dilatedAttention from './dilatedAttention';
import minimalAttention from './minimalAttention';
import powerSoftmax from './powerSoftmax';
import retentionDecay from './retentionDecay';
import selectiveAttention from './selectiveAttention';
import sinkAttention from './sinkAttention';
import slidingWindow from './slidingWindow';
import softmaxAttention from './softmaxAttention';
import linearAttention from './linearAttention';
import slab from './slab';
import retention from './retention';
import mamba2 from './mamba2';
import deltaNet from './deltaNet';
import pooling from './pooling';
import spectral from './spectral';
import lmu from './lmu';
import probSparse from './probSparse';
import shiftedWindow from './shiftedWindow';
import combiner from './combiner';
import blockTransformer from './blockTransformer';
import tnt from './tnt';
import fit from './fit';
import hashAttention from './hashAttention';
import kernelRpe from './kernelRpe';
import tokenMixingMlp from './tokenMixingMlp';
import tokenformer from './tokenformer';
import ponet from './ponet';
import pattentionFfn from './pattentionFfn';
import echoAttention from './echoAttention';
import reversible from './reversible';

export const BLOCKS: readonly Block[] = [
  softmaxAttention,
  slidingWindow,
  dilatedAttention,
  sinkAttention,
  selectiveAttention,
  powerSoftmax,
  minimalAttention,
  retentionDecay,
  linearAttention,
  slab,
  retention,
  mamba2,
  deltaNet,
  pooling,
  spectral,
  lmu,
  probSparse,
  shiftedWindow,
  combiner,
  blockTransformer,
  tnt,
  fit,
  hashAttention,
  kernelRpe,
  tokenMixingMlp,
  tokenformer,
  ponet,
  echoAttention,
  learnedAbsolute,
  nope,
  sinusoidal,
  rope,
  alibi,
  t5Bias,
  layerNorm,
  rmsNorm,
  noNorm,
  crmsNorm,
  repBatchNorm,
  mlp,
  glu,
  polycom,
  moe,
  matformer,
  pattentionFfn,
  noFfn,
  sequential,
  parallel,
  ladder,
  reversible,
];

/** The block registered as `kind` in `slot`, or undefined. */
export function findBlock<S extends Slot>(slot: S, kind: string): Block<S> | undefined {
  return BLOCKS.find((b): b is Block<S> => b.slot === slot && b.kind === kind);
}

/** Kinds registered for a slot. */
export function kindsOf(slot: Slot): string[] {
  return BLOCKS.filter((b) => b.slot === slot).map((b) => b.kind);
}
