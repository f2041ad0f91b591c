/**
 * Validation of a spec from anywhere (the editor, a file, later a URL): structure and ranges by
 * schema, then every block checked against the registry with its own parameter schema.
 * Errors name the field and the allowed range.
 */
import { z } from 'zod';
import type { Slot } from '../blocks/define';
import { findBlock, kindsOf } from '../blocks/registry';
import type { BlockRef, Spec } from './types';

/** Ranges of the global settings, shared by the schema and the UI controls. */
export const LIMITS = {
  seed: { min: 0, max: 2 ** 31 - 1 },
  dModel: { min: 8, max: 512 },
  nHeads: { min: 1, max: 16 },
  maxLen: { min: 1, max: 512 },
  layers: { min: 1, max: 12 },
} as const;

const int = (name: keyof typeof LIMITS) =>
  z.number().int(`${name} must be a whole number`).min(LIMITS[name].min, `${name} must be between ${LIMITS[name].min} and ${LIMITS[name].max}`).max(LIMITS[name].max, `${name} must be between ${LIMITS[name].min} and ${LIMITS[name].max}`);

const blockRef = z.object({ kind: z.string(), params: z.record(z.string(), z.unknown()).default({}) });

const specSchema = z.object({
  version: z.literal(1),
  seed: int('seed'),
  dModel: int('dModel'),
  nHeads: int('nHeads'),
  maxLen: int('maxLen'),
  vocab: z.literal('char'),
  position: blockRef,
  layers: z
    .array(z.object({ mixer: blockRef, norm: blockRef, placement: z.enum(['pre', 'post', 'peri']), ffn: blockRef }))
    .min(LIMITS.layers.min, `layers must number between ${LIMITS.layers.min} and ${LIMITS.layers.max}`)
    .max(LIMITS.layers.max, `layers must number between ${LIMITS.layers.min} and ${LIMITS.layers.max}`),
});

/** A valid spec with every block's parameters filled in, or the reasons it was refused. */
export type SpecResult = { ok: true; spec: Spec } | { ok: false; errors: string[] };

function checkBlock(slot: Slot, ref: BlockRef, where: string, errors: string[]): BlockRef {
  const block = findBlock(slot, ref.kind);
  if (!block) {
    errors.push(`${where}: unknown ${slot} block "${ref.kind}" (known: ${kindsOf(slot).join(', ')})`);
    return ref;
  }
  const r = block.parse(ref.params);
  if (!r.ok) {
    errors.push(`${where}: ${r.message}`);
    return ref;
  }
  return { kind: ref.kind, params: r.params };
}

/** Checks `raw` as a spec. */
export function validateSpec(raw: unknown): SpecResult {
  const parsed = specSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, errors: parsed.error.issues.map((i) => `${i.path.join('.') || 'spec'}: ${i.message}`) };
  }
  const s = parsed.data;
  const errors: string[] = [];
  if (s.dModel % s.nHeads !== 0) errors.push(`nHeads: dModel (${s.dModel}) must be divisible by nHeads (${s.nHeads})`);
  const spec: Spec = {
    ...s,
    position: checkBlock('position', s.position, 'position', errors),
    layers: s.layers.map((l, i) => ({
      mixer: checkBlock('mixer', l.mixer, `layer ${i} mixer`, errors),
      norm: checkBlock('norm', l.norm, `layer ${i} norm`, errors),
      placement: l.placement,
      ffn: checkBlock('ffn', l.ffn, `layer ${i} feed-forward`, errors),
    })),
  };
  return errors.length ? { ok: false, errors } : { ok: true, spec };
}
