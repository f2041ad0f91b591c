/**
 * Edits of the spec as data. Every change the editor makes is an `Edit` applied by `applyEdit`,
 * which returns the new spec (checked by the validator) or the reason it was refused, and a
 * sentence saying what changed (read out to screen readers). The store keeps the history of specs,
 * so undo and redo work for every edit alike.
 *
 * Loops cover layer positions. Inserting a layer inside a looped group grows the group, deleting
 * one shrinks it (a group left empty goes), and moving a layer is a delete then an insert, so a
 * loop keeps the layers it covered unless the moved layer leaves or joins it.
 */
import type { Slot } from '../blocks/define';
import { blockInfo, blocksFor, fitsSlot, PLACEMENT_NAMES, slotLabel } from './catalog';
import { defaultLayer } from './defaults';
import { LIMITS, validateSpec } from './schema';
import type { DropPart } from './drop';
import type { BlockRef, LayerSpec, LoopSpec, NormPlacement, Spec } from './types';

/** The slots each layer has (the position block is model-wide). */
export type LayerSlot = Exclude<Slot, 'position'>;

/** Where a block sits: a layer's slot, or the model's position encoding. */
export type BlockTarget = { layer: number; slot: LayerSlot } | { slot: 'position' };

/** The model-wide numbers and names the settings panel edits. */
export type GlobalKey = 'name' | 'seed' | 'dModel' | 'nHeads' | 'maxLen';

export type Edit =
  | { type: 'setBlock'; target: BlockTarget; kind: string }
  | { type: 'setParam'; target: BlockTarget; name: string; value: unknown }
  | { type: 'setPlacement'; layer: number; placement: NormPlacement }
  | { type: 'setDrop'; layer: number; part: DropPart; on: boolean }
  | { type: 'insertLayer'; at: number; block?: { slot: Slot; kind: string } }
  | { type: 'moveLayer'; from: number; to: number }
  | { type: 'duplicateLayer'; index: number }
  | { type: 'deleteLayer'; index: number }
  | { type: 'setLayerCount'; count: number }
  | { type: 'applyToAll'; from: number; slot: LayerSlot }
  | { type: 'schedule'; pattern: string; count: number }
  | { type: 'setGlobal'; key: GlobalKey; value: unknown }
  | { type: 'setKvHeads'; value: number }
  | { type: 'setSigmaReparam'; enabled: boolean; gamma: number }
  | { type: 'setLoops'; loops: LoopSpec[] }
  | { type: 'replace'; spec: Spec; what: string };

/** The new spec and what changed in words, or why the edit was refused (the spec stays as it was). */
export type EditResult = { ok: true; spec: Spec; summary: string } | { ok: false; reason: string };


/** Mixer letters the schedule helper understands besides full kind names (each mixer declares its own). */
export const SCHEDULE_LETTERS: Readonly<Record<string, string>> = Object.fromEntries(
  blocksFor('mixer').flatMap((b) => (b.letter ? [[b.letter, b.kind]] : [])),
);

const title = (slot: Slot, kind: string) => blockInfo(slot, kind)?.title ?? kind;
const refused = (reason: string): EditResult => ({ ok: false, reason });

/** "layer 2's token mixer" or "the positional encoding". */
export function targetName(t: BlockTarget): string {
  return t.slot === 'position' ? 'the positional encoding' : `layer ${t.layer}'s ${slotLabel(t.slot).toLowerCase()}`;
}

/** The block at `target`, or undefined when the layer does not exist. */
export function blockAt(spec: Spec, target: BlockTarget): BlockRef | undefined {
  return target.slot === 'position' ? spec.position : spec.layers[target.layer]?.[target.slot];
}

function withBlock(spec: Spec, target: BlockTarget, block: BlockRef): Spec {
  if (target.slot === 'position') return { ...spec, position: block };
  const layers = spec.layers.map((l, i) => (i === target.layer ? { ...l, [target.slot]: block } : l));
  return { ...spec, layers };
}

/**
 * A block of `kind` for `slot`: its defaults, keeping those of `previous`'s parameters the new
 * kind also has (switching attention variants keeps causal and kvHeads).
 */
export function blockOfKind(slot: Slot, kind: string, previous?: BlockRef): BlockRef | undefined {
  const info = blockInfo(slot, kind);
  if (!info) return undefined;
  const params: Record<string, unknown> = { ...info.defaults };
  for (const [k, v] of Object.entries(previous?.params ?? {})) if (k in info.params) params[k] = v;
  return { kind, params };
}

// ── loops follow layer positions ─────────────────────────────────────────────────────────────────

function loopsAfterInsert(loops: LoopSpec[], at: number): LoopSpec[] {
  return loops.map((l) => (l.start >= at ? { ...l, start: l.start + 1, end: l.end + 1 } : l.end >= at ? { ...l, end: l.end + 1 } : l));
}

function loopsAfterDelete(loops: LoopSpec[], at: number): LoopSpec[] {
  return loops
    .map((l) => (l.start > at ? { ...l, start: l.start - 1, end: l.end - 1 } : l.end >= at ? { ...l, end: l.end - 1 } : l))
    .filter((l) => l.end >= l.start);
}

function insertLayer(spec: Spec, at: number, layer: LayerSpec): Spec {
  const layers = [...spec.layers.slice(0, at), layer, ...spec.layers.slice(at)];
  return { ...spec, layers, loops: loopsAfterInsert(spec.loops, at) };
}

function deleteLayer(spec: Spec, at: number): Spec {
  return { ...spec, layers: spec.layers.filter((_, i) => i !== at), loops: loopsAfterDelete(spec.loops, at) };
}

/** Mixer kinds of a schedule pattern ("A,M,M,M" or "softmax_attention mamba2"), or the reason it is not one. */
export function parseSchedule(pattern: string): { ok: true; kinds: string[] } | { ok: false; reason: string } {
  const tokens = pattern.split(/[\s,;]+/).filter(Boolean);
  if (!tokens.length) return { ok: false, reason: 'the pattern is empty: write mixers separated by commas, for example A,M,M,M' };
  const kinds: string[] = [];
  for (const token of tokens) {
    const kind = SCHEDULE_LETTERS[token.toUpperCase()] ?? token;
    if (!blockInfo('mixer', kind)) {
      const letters = Object.entries(SCHEDULE_LETTERS).map(([l, k]) => `${l} = ${title('mixer', k)}`).join(', ');
      return { ok: false, reason: `"${token}" is not a token mixer. Use a letter (${letters}) or a mixer's kind name` };
    }
    kinds.push(kind);
  }
  return { ok: true, kinds };
}

const layerCountRange = `from ${LIMITS.layers.min} to ${LIMITS.layers.max}`;

/** Applies `edit` to `spec`. Pure: `spec` is never changed. */
export function applyEdit(spec: Spec, edit: Edit): EditResult {
  const draft = propose(spec, edit);
  if (!draft.ok) return draft;
  const checked = validateSpec(draft.spec);
  if (!checked.ok) return refused(checked.errors[0]!);
  return { ok: true, spec: sharing(spec, checked.spec), summary: draft.summary };
}

/**
 * `next` with every part that is deep-equal to the same part of `prev` replaced by `prev`'s own
 * object. The validator returns a fresh copy of the whole spec; with this, an edit's spec shares
 * what the edit left alone, so the undo history holds each unchanged layer once, not once per edit.
 */
function sharing<T>(prev: T, next: T): T {
  if (prev === next || typeof prev !== 'object' || typeof next !== 'object' || prev === null || next === null) return next;
  if (Array.isArray(prev) !== Array.isArray(next)) return next;
  if (JSON.stringify(prev) === JSON.stringify(next)) return prev;
  if (Array.isArray(next)) return next.map((v, i) => sharing((prev as unknown[])[i], v)) as T;
  return Object.fromEntries(Object.entries(next).map(([k, v]) => [k, sharing((prev as Record<string, unknown>)[k], v)])) as T;
}

function layerExists(spec: Spec, i: number): string | null {
  return Number.isInteger(i) && i >= 0 && i < spec.layers.length ? null : `there is no layer ${i} (the model has layers 0 to ${spec.layers.length - 1})`;
}

/** The edited spec before validation. */
function propose(spec: Spec, edit: Edit): EditResult {
  switch (edit.type) {
    case 'setBlock': {
      const { target, kind } = edit;
      if (target.slot !== 'position') {
        const missing = layerExists(spec, target.layer);
        if (missing) return refused(missing);
      }
      const info = blockInfo(target.slot, kind);
      if (!info) {
        const elsewhere = (['mixer', 'position', 'norm', 'ffn', 'topology'] as const).map((s) => blockInfo(s, kind)).find(Boolean);
        return refused(elsewhere ? (fitsSlot(elsewhere, target.slot) as { reason: string }).reason : `unknown block "${kind}"`);
      }
      const block = blockOfKind(target.slot, kind, blockAt(spec, target))!;
      return { ok: true, spec: withBlock(spec, target, block), summary: `${info.title} is now ${targetName(target)}.` };
    }
    case 'setParam': {
      const current = blockAt(spec, edit.target);
      if (!current) return refused(layerExists(spec, (edit.target as { layer: number }).layer) ?? 'no such block');
      const block = { kind: current.kind, params: { ...current.params, [edit.name]: edit.value } };
      return { ok: true, spec: withBlock(spec, edit.target, block), summary: `${title(edit.target.slot, current.kind)} in ${targetName(edit.target)}: ${edit.name} = ${JSON.stringify(edit.value)}.` };
    }
    case 'setPlacement': {
      const missing = layerExists(spec, edit.layer);
      if (missing) return refused(missing);
      const layers = spec.layers.map((l, i) => (i === edit.layer ? { ...l, placement: edit.placement } : l));
      return { ok: true, spec: { ...spec, layers }, summary: `Layer ${edit.layer} now uses ${PLACEMENT_NAMES[edit.placement]}.` };
    }
    case 'setDrop': {
      const missing = layerExists(spec, edit.layer);
      if (missing) return refused(missing);
      const layers = spec.layers.map((l, i) => {
        if (i !== edit.layer) return l;
        const drop = { mixer: !!l.drop?.mixer, ffn: !!l.drop?.ffn, [edit.part]: edit.on };
        const { drop: _old, ...rest } = l;
        return drop.mixer || drop.ffn ? { ...rest, drop } : rest;
      });
      const what = edit.part === 'mixer' ? 'token mixer' : 'feed-forward block';
      return { ok: true, spec: { ...spec, layers }, summary: `Layer ${edit.layer}'s ${what} is ${edit.on ? 'dropped' : 'back'}.` };
    }
    case 'insertLayer': {
      const { at, block } = edit;
      if (!Number.isInteger(at) || at < 0 || at > spec.layers.length) return refused(`a layer can go at positions 0 to ${spec.layers.length}, got ${at}`);
      if (spec.layers.length >= LIMITS.layers.max) return refused(`the model already has ${LIMITS.layers.max} layers, the most it can hold`);
      // A new layer copies its upper neighbour (or the one below it at the top), so it fits in.
      let layer = structuredClone(spec.layers[at - 1] ?? spec.layers[at] ?? defaultLayer());
      if (block) {
        if (block.slot === 'position') return refused(`${title('position', block.kind)} is a positional encoding, which is model-wide: drop it on the positional encoding slot, not between layers`);
        const ref = blockOfKind(block.slot, block.kind, layer[block.slot]);
        if (!ref) return refused(`unknown ${block.slot} block "${block.kind}"`);
        layer = { ...layer, [block.slot]: ref };
      }
      const what = block ? ` with ${title(block.slot, block.kind)}` : '';
      return { ok: true, spec: insertLayer(spec, at, layer), summary: `A new layer${what} was inserted at position ${at}.` };
    }
    case 'moveLayer': {
      const { from, to } = edit;
      const missing = layerExists(spec, from) ?? layerExists(spec, to);
      if (missing) return refused(missing);
      if (from === to) return refused(`layer ${from} is already at position ${to}`);
      const moved = insertLayer(deleteLayer(spec, from), to, spec.layers[from]!);
      return { ok: true, spec: moved, summary: `Layer ${from} moved to position ${to}.` };
    }
    case 'duplicateLayer': {
      const missing = layerExists(spec, edit.index);
      if (missing) return refused(missing);
      if (spec.layers.length >= LIMITS.layers.max) return refused(`the model already has ${LIMITS.layers.max} layers, the most it can hold`);
      return { ok: true, spec: insertLayer(spec, edit.index + 1, structuredClone(spec.layers[edit.index]!)), summary: `Layer ${edit.index} was duplicated as layer ${edit.index + 1}.` };
    }
    case 'deleteLayer': {
      const missing = layerExists(spec, edit.index);
      if (missing) return refused(missing);
      if (spec.layers.length <= LIMITS.layers.min) return refused('the model needs at least one layer');
      return { ok: true, spec: deleteLayer(spec, edit.index), summary: `Layer ${edit.index} was deleted.` };
    }
    case 'setLayerCount': {
      const count = edit.count;
      if (!Number.isInteger(count) || count < LIMITS.layers.min || count > LIMITS.layers.max) return refused(`the number of layers must be a whole number ${layerCountRange}, got ${count}`);
      let next = spec;
      while (next.layers.length > count) next = deleteLayer(next, next.layers.length - 1);
      while (next.layers.length < count) next = insertLayer(next, next.layers.length, structuredClone(next.layers[next.layers.length - 1]!));
      return { ok: true, spec: next, summary: `The model has ${count} layer${count === 1 ? '' : 's'}.` };
    }
    case 'applyToAll': {
      const missing = layerExists(spec, edit.from);
      if (missing) return refused(missing);
      const source = spec.layers[edit.from]!;
      const block = source[edit.slot];
      // A norm goes with its placement: "Pre-LN with RMSNorm" is one choice to a person.
      const layers = spec.layers.map((l) => ({ ...l, [edit.slot]: structuredClone(block), ...(edit.slot === 'norm' ? { placement: source.placement } : {}) }));
      const what = edit.slot === 'norm' ? `${title('norm', block.kind)}, ${PLACEMENT_NAMES[source.placement]}` : title(edit.slot, block.kind);
      return { ok: true, spec: { ...spec, layers }, summary: `Every layer's ${slotLabel(edit.slot).toLowerCase()} is now ${what}.` };
    }
    case 'schedule': {
      const parsed = parseSchedule(edit.pattern);
      if (!parsed.ok) return refused(parsed.reason);
      const { count } = edit;
      if (!Number.isInteger(count) || count < LIMITS.layers.min || count > LIMITS.layers.max) return refused(`the number of layers must be a whole number ${layerCountRange}, got ${count}`);
      const layers = Array.from({ length: count }, (_, i) => {
        const base = structuredClone(spec.layers[Math.min(i, spec.layers.length - 1)]!);
        const kind = parsed.kinds[i % parsed.kinds.length]!;
        return { ...base, mixer: blockOfKind('mixer', kind, base.mixer)! };
      });
      const loops = spec.loops.filter((l) => l.end < count);
      const names = parsed.kinds.map((k) => title('mixer', k)).join(', ');
      return { ok: true, spec: { ...spec, layers, loops }, summary: `${count} layers filled from the pattern ${names}.` };
    }
    case 'setGlobal': {
      const names: Record<GlobalKey, string> = { name: 'name', seed: 'seed', dModel: 'd_model', nHeads: 'heads', maxLen: 'sequence length' };
      return { ok: true, spec: { ...spec, [edit.key]: edit.value }, summary: `The model's ${names[edit.key]} is now ${String(edit.value)}.` };
    }
    case 'setKvHeads': {
      let touched = 0;
      const layers = spec.layers.map((l) => {
        if (!blockInfo('mixer', l.mixer.kind)?.params['kvHeads']) return l;
        touched++;
        return { ...l, mixer: { ...l.mixer, params: { ...l.mixer.params, kvHeads: edit.value } } };
      });
      if (!touched) return refused('no layer has an attention mixer with key/value heads');
      const what = edit.value === 0 ? 'one per query head' : String(edit.value);
      return { ok: true, spec: { ...spec, layers }, summary: `Key/value heads of ${touched} attention layer${touched === 1 ? '' : 's'}: ${what}.` };
    }
    case 'setSigmaReparam':
      return { ok: true, spec: { ...spec, sigmaReparam: { enabled: edit.enabled, gamma: edit.gamma } }, summary: `σReparam is ${edit.enabled ? `on, γ = ${edit.gamma}` : 'off'}.` };
    case 'setLoops':
      return { ok: true, spec: { ...spec, loops: edit.loops }, summary: edit.loops.length ? `Loops: ${edit.loops.map((l) => `layers ${l.start}–${l.end} × ${l.count}`).join('; ')}.` : 'No loops.' };
    case 'replace':
      return { ok: true, spec: edit.spec, summary: edit.what };
  }
}
