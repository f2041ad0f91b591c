/**
 * Which decode form a mixer takes: the one its block declares, the generic one (src/decode/generic.ts)
 * for a causal mixer that declares none, or none at all, with the reason.
 */
import type { Block, DecodeForm } from '../blocks/define';

export type ResolvedForm =
  | (Exclude<DecodeForm<Record<string, unknown>>, { none: string }> & { kind: 'declared' })
  | { kind: 'generic' }
  | { none: string };

export const BIDIRECTIONAL =
  'it is bidirectional (causal off): every token sees later ones, so a text cannot be produced one token at a time. Turn causal on to decode.';

/**
 * The decode form of `mixer` with (validated) `params` in a model whose position block is
 * `position`: the declared form, unless it says it is not exact with that position block (then,
 * like a mixer with no form, the generic one).
 */
export function decodeFormOf(mixer: Block<'mixer'>, params: Record<string, unknown>, position: { kind: string; params: Record<string, unknown> }): ResolvedForm {
  if (params['causal'] === false) return { none: BIDIRECTIONAL };
  const form = mixer.decode;
  if (!form) return { kind: 'generic' };
  if ('none' in form) return { none: form.none };
  if (form.inexactWith?.(params, position)) return { kind: 'generic' };
  return { ...form, kind: 'declared' };
}
