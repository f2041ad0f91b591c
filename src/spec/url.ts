/**
 * The spec in a link: `#c=` followed by the configuration JSON compressed with lz-string
 * (URI-safe alphabet). Reading a link migrates and validates what it holds, like any input.
 */
import LZString from 'lz-string';
import { parseSpecJson, type SpecResult } from './schema';
import type { Spec } from './types';

/** Longest `c` value read (characters): a 12-layer spec compresses to about 2,000. */
export const MAX_LINK_DATA = 16_000;
/** Longest decompressed JSON accepted (characters), far above any valid spec. */
export const MAX_LINK_JSON = 200_000;

/** The hash part (without '#') that carries `spec`. */
export function specToHash(spec: Spec): string {
  return `c=${LZString.compressToEncodedURIComponent(JSON.stringify(spec))}`;
}

/** The spec in a share link (a full URL, or just its hash), or why it cannot be read. */
export function specFromLink(link: string): SpecResult {
  const hash = link.includes('#') ? link.slice(link.indexOf('#') + 1) : link;
  const data = new URLSearchParams(hash).get('c');
  if (data === null) return { ok: false, errors: ['link: it holds no model (no "#c=…" part)'] };
  if (data.length > MAX_LINK_DATA) return { ok: false, errors: [`link: its model data is ${data.length} characters long, more than any model needs (${MAX_LINK_DATA})`] };
  // lz-string's decoder expects '+' where URLSearchParams turned it into a space.
  let json: string | null;
  try {
    json = LZString.decompressFromEncodedURIComponent(data.replace(/ /g, '+'));
  } catch {
    json = null; // junk can make the decoder run out of memory
  }
  if (!json) return { ok: false, errors: ['link: its model data is damaged (it may have been cut short when copied)'] };
  if (json.length > MAX_LINK_JSON) return { ok: false, errors: [`link: its model data expands to ${json.length} characters, more than any model needs (${MAX_LINK_JSON})`] };
  return parseSpecJson(json);
}
