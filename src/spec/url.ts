/**
 * The spec in a link: `#c=` followed by the configuration JSON compressed with lz-string
 * (URI-safe alphabet). Reading a link migrates and validates what it holds, like any input.
 */
import LZString from 'lz-string';
import { parseSpecJson, type SpecResult } from './schema';
import type { Spec } from './types';

/** Longest `c` value read (characters), far above any valid spec, to refuse junk early. */
export const MAX_LINK_DATA = 100_000;

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
  const json = LZString.decompressFromEncodedURIComponent(data.replace(/ /g, '+'));
  if (!json) return { ok: false, errors: ['link: its model data is damaged (it may have been cut short when copied)'] };
  return parseSpecJson(json);
}
