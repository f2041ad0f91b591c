/** Every block the playground knows, one line each. */
import type { Block, Slot } from './define';
import layerNorm from './layerNorm';
import learnedAbsolute from './learnedAbsolute';
import mlp from './mlp';
import rmsNorm from './rmsNorm';
import softmaxAttention from './softmaxAttention';

export const BLOCKS: readonly Block[] = [
  softmaxAttention,
  learnedAbsolute,
  layerNorm,
  rmsNorm,
  mlp,
];

/** The block registered as `kind` in `slot`, or undefined. */
export function findBlock<S extends Slot>(slot: S, kind: string): Block<S> | undefined {
  return BLOCKS.find((b): b is Block<S> => b.slot === slot && b.kind === kind);
}

/** Kinds registered for a slot. */
export function kindsOf(slot: Slot): string[] {
  return BLOCKS.filter((b) => b.slot === slot).map((b) => b.kind);
}
