/**
 * What the UI may know about blocks: names, papers and explanations, by slot and kind.
 * The UI reads blocks through the spec, never the emitters.
 */
import type { Slot } from '../blocks/define';
import { findBlock } from '../blocks/registry';

export type { Slot };

/** The descriptive part of a block. */
export interface BlockInfo {
  kind: string;
  slot: Slot;
  title: string;
  paper: string;
  explanation: string;
  map?: 'explicit' | 'implicit';
}

/** Info of the block `kind` in `slot`, or undefined when it is not registered. */
export function blockInfo(slot: Slot, kind: string): BlockInfo | undefined {
  const b = findBlock(slot, kind);
  return b && { kind: b.kind, slot: b.slot, title: b.title, paper: b.paper, explanation: b.explanation, map: b.map };
}
