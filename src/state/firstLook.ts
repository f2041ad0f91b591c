/**
 * The first look: the default model's maps of the default text, computed at build time by the same
 * compiler and runtime (scripts/firstlook.ts, served as `virtual:first-look` by vite.config.ts), so
 * the page draws them before its 14 MB runtime has loaded. They are shown only when the page opens
 * on exactly that model and text (a link or saved work that differs gets none), marked
 * `precomputed` (the status line says so), and the first live result replaces them.
 */
import firstLook from 'virtual:first-look';
import type { MapView, ViewRef } from '../../workers/api';
import type { Spec } from '../spec/types';
import { tokenize } from '../spec/vocab';
import type { AppStore, ShownResult } from './store';

/** A typed array as the build wrote it (base64 of its bytes), or any other JSON value. */
type Encoded = { $f32: string } | { $u16: string } | unknown;

function bytes(b64: string): ArrayBuffer {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out.buffer;
}

/** Turns `{ $f32 }` and `{ $u16 }` back into typed arrays, everywhere in `v`. */
function decode(v: Encoded): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v && typeof v === 'object') {
    if ('$f32' in v && typeof v.$f32 === 'string') return new Float32Array(bytes(v.$f32));
    if ('$u16' in v && typeof v.$u16 === 'string') return new Uint16Array(bytes(v.$u16));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, decode(x)]));
  }
  return v;
}

/** JSON with object keys sorted, so two equal specs compare equal whatever order their keys came in. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1))) : x));
}

const look = decode(firstLook) as {
  spec: Spec;
  text: string;
  result: ShownResult['data'];
  maps: MapView[];
};

/** The precomputed result for `spec` and `text`, or null when they are not what the build ran. */
export function precomputedFor(spec: Spec, text: string): ShownResult | null {
  if (text !== look.text || canonical(spec) !== canonical(look.spec)) return null;
  const mapOf = (view: ViewRef) => look.maps.find((m) => m.layer === view.layer && m.head === view.head) ?? null;
  return { data: look.result, spec, input: tokenize(text, spec.maxLen), precomputed: { mapOf } };
}

/**
 * Shows the precomputed result when the store holds the model and text it was computed for and
 * nothing has been drawn yet. Call it before connecting the bridge, whose first live result replaces it.
 */
export function showFirstLook(store: AppStore): void {
  const s = store.getState();
  if (s.result) return;
  const shown = precomputedFor(s.spec, s.text);
  if (shown) store.setState({ result: shown, map: shown.precomputed!.mapOf(s.view) ?? shown.data.map });
}
