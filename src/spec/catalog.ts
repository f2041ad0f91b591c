/**
 * What the UI may know about blocks: names, papers, explanations and parameter ranges, by slot
 * and kind. The UI reads blocks through the spec, never the emitters.
 */
import type { Layout, MapKind, ParamInfo, Placement, Slot } from '../blocks/define';
import { describeAllowed, PLACEMENTS } from '../blocks/define';
import { BLOCKS, findBlock } from '../blocks/registry';

export type { Layout, MapKind, ParamInfo, Slot };
export { describeAllowed, PLACEMENTS };

/** Each norm placement's name ("Pre-LN"), by key. */
export const PLACEMENT_NAMES = Object.fromEntries(Object.entries(PLACEMENTS).map(([k, v]) => [k, v.name])) as Record<Placement, string>;

/** The placements as a menu: key and "Pre-LN: x + F(N(x))". */
export const PLACEMENT_OPTIONS: readonly { value: Placement; label: string }[] = Object.entries(PLACEMENTS).map(([k, v]) => ({ value: k as Placement, label: `${v.name}: ${v.formula}` }));

/** The slots in the order the palette and the layer cards show them, with their names. */
export const SLOTS: readonly { slot: Slot; label: string; perLayer: boolean }[] = [
  { slot: 'mixer', label: 'Token mixer', perLayer: true },
  { slot: 'position', label: 'Positional encoding', perLayer: false },
  { slot: 'norm', label: 'Normalisation', perLayer: true },
  { slot: 'ffn', label: 'Feed-forward', perLayer: true },
  { slot: 'topology', label: 'Residual topology', perLayer: true },
];

/** The descriptive part of a block. */
export interface BlockInfo {
  kind: string;
  slot: Slot;
  title: string;
  paper: string;
  explanation: string;
  map?: MapKind;
  /** Mixers: the schedule helper's letter for it, if any. */
  letter?: string;
  /** Norms: the wiring diagram's box label and formula name; null when the norm is the identity. */
  diagram?: { label: string; name: string } | null;
  /** Topologies: how the modules meet the stream. */
  layout?: Layout;
  /** Mixers: reuses an earlier layer run's attention map, named by its parameter `from` (spec/mapSharing.ts). */
  copiesMap: boolean;
  /** True for the block that stands for an empty slot ("none"). */
  absent: boolean;
  /** Each parameter's type, range and default. */
  params: Readonly<Record<string, ParamInfo>>;
  defaults: Readonly<Record<string, unknown>>;
}

const info = (b: (typeof BLOCKS)[number]): BlockInfo => ({
  kind: b.kind,
  slot: b.slot,
  title: b.title,
  paper: b.paper,
  explanation: b.explanation,
  map: b.map,
  letter: b.letter,
  diagram: b.diagram,
  layout: b.layout,
  copiesMap: Boolean(b.copiesMap),
  absent: Boolean(b.absent),
  params: b.paramInfo,
  defaults: b.defaults,
});

/** Info of the block `kind` in `slot`, or undefined when it is not registered. */
export function blockInfo(slot: Slot, kind: string): BlockInfo | undefined {
  const b = findBlock(slot, kind);
  return b && info(b);
}

/** Every registered block, in registry order. */
export const CATALOG: readonly BlockInfo[] = BLOCKS.map(info);

/** The blocks a slot takes, in registry order. */
export function blocksFor(slot: Slot): BlockInfo[] {
  return CATALOG.filter((b) => b.slot === slot);
}

/** How the page names each kind of map (badge text), what the badge's tooltip says, and the legend's note. */
export const MAP_KINDS: Readonly<Record<MapKind, { label: string; title: string; note: string }>> = {
  explicit: { label: 'explicit', title: 'Computed directly by the mixer (inspect path)', note: 'each row sums to 1' },
  implicit: {
    label: 'implicit',
    title: 'The exact map implied by an attention-free mixer (inspect path)',
    note: 'implicit map: output = A · values; weights can be negative and rows need not sum to 1',
  },
  attribution: {
    label: 'attribution (gradient)',
    title: 'No exact map exists for this mixer: each cell is the gradient of output i with respect to token j (averaged over the head\'s channels), exact only to first order at this input',
    note: 'attribution map (gradient): how much output i moves per unit move of token j at this input; output ≠ A · values',
  },
};

/** The name of a slot for messages ("Feed-forward"). */
export function slotLabel(slot: Slot): string {
  return SLOTS.find((s) => s.slot === slot)!.label;
}

/** Whether `block` fits `slot`; when it does not, the reason in words for the person. */
export function fitsSlot(block: Pick<BlockInfo, 'slot' | 'title'>, slot: Slot): { ok: true } | { ok: false; reason: string } {
  if (block.slot === slot) return { ok: true };
  const article = (w: string) => (/^[aeiou]/i.test(w) ? 'an' : 'a');
  const want = slotLabel(slot).toLowerCase();
  const have = slotLabel(block.slot).toLowerCase();
  return { ok: false, reason: `${block.title} is ${article(have)} ${have} block; the ${want} slot takes only ${want} blocks.` };
}
