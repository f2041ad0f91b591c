/**
 * Which decode form a mixer takes: the one its block declares, the generic one (src/decode/generic.ts)
 * for a causal mixer that declares none, or none at all, with the reason.
 */
import type { Block, DecodeForm } from '../blocks/define';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';

export type ResolvedForm =
  | (Exclude<DecodeForm<Record<string, unknown>>, { none: string }> & { kind: 'declared' })
  | { kind: 'generic' }
  | { none: string };

export const BIDIRECTIONAL =
  'it is bidirectional (causal off): every token sees later ones, so a text cannot be produced one token at a time. Turn causal on to decode.';

/**
 * Why no cache can reproduce the forward pass of this whole model (validated spec), or null. A
 * cache keeps each earlier token's values as they were computed when that token came; it is
 * exact only if those values do not change as the text grows. Two settings change them:
 * - CLEX rescales every rotation once the text passes its trained length, so from the second
 *   layer run on, every earlier token's input changes;
 * - Swin's shifted windows shift only once the text is longer than the window, so a shifted layer
 *   run changes its earlier outputs, which the next layer run has read.
 * Such a model generates with the forward pass at each length (workers/generate.ts).
 */
export function stackProblem(spec: Spec): string | null {
  const runs = layerSchedule(spec);
  const pos = spec.position;
  const trained = Number(pos.params['trainedLength']);
  if (pos.kind === 'rope' && pos.params['scaling'] === 'clex' && runs.length > 1 && spec.maxLen > trained) {
    return `CLEX changes every rotation once the text passes ${trained} tokens, so the earlier tokens' outputs that later layer runs read change as the text grows and no cache can keep them; each token runs the forward pass instead`;
  }
  for (let r = 0; r < runs.length - 1; r++) {
    const mixer = spec.layers[runs[r]!.layer]!.mixer;
    const w = Number(mixer.params['window']);
    if (mixer.kind === 'shifted_window' && mixer.params['shift'] === true && r % 2 === 1 && spec.maxLen > w) {
      return `layer run ${r} shifts its windows only once the text is longer than the window (${w}), which changes the earlier tokens' outputs that layer run ${r + 1} has read; each token runs the forward pass instead`;
    }
  }
  return null;
}

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
