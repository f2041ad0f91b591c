/**
 * A link's spec alone, for the command line (`npm run export -- 'http://…/#s=…'`): any share link
 * the app writes (`#s=`, the whole work; see share.ts) or the first kind (`#c=`, the spec only).
 * `specToHash` still writes the first kind, which every version keeps opening.
 */
import LZString from 'lz-string';
import type { SpecResult } from './schema';
import { shareFromLink } from './share';
import type { Spec } from './types';

export { MAX_LINK_DATA, MAX_LINK_JSON } from './share';

/** The hash part (without '#') of a `#c=` link that carries `spec` alone. */
export function specToHash(spec: Spec): string {
  return `c=${LZString.compressToEncodedURIComponent(JSON.stringify(spec))}`;
}

/** The spec in a share link (a full URL, or just its hash), or why it cannot be read. */
export function specFromLink(link: string): SpecResult {
  const r = shareFromLink(link);
  if (r.ok) return { ok: true, spec: r.doc.spec };
  return { ok: false, errors: r.problem === 'tampered' ? r.errors : [`link: ${r.reason}`] };
}
