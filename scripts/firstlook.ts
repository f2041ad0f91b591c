/**
 * The first look, computed at build time (Node only): the default model's analysis of the default
 * text, run by the worker's own body (workers/analyse.ts: the same compiler, the same serialiser,
 * onnxruntime-web's WASM build in Node), so the page can draw it before its runtime has loaded.
 * vite.config.ts serves it as the module `virtual:first-look`; src/state/firstLook.ts decodes it
 * and shows it only when the page opens on this exact model and text.
 *
 * Typed arrays travel as base64 of their bytes (`{ $f32: … }`, `{ $u16: … }`): a few tens of kB in
 * the bundle, nothing fetched (the page's CSP allows no other origin anyway).
 */
import { pathToFileURL } from 'node:url';
import * as ort from 'onnxruntime-web';
import { Runtime } from '../src/runtime/ort';
import { DEFAULT_TEXT, defaultSpec } from '../src/spec/defaults';
import { layerSchedule } from '../src/spec/schedule';
import { tokenize } from '../src/spec/vocab';
import { analyse, mapView } from '../workers/analyse';
import type { AnalysisResult, MapView } from '../workers/api';
import { Sessions } from '../workers/sessions';
import type { Spec } from '../src/spec/types';

/** The precomputed result: the spec and text it is for, the result as the worker sends it, and every (layer, head) map. */
export interface FirstLook {
  spec: Spec;
  text: string;
  result: AnalysisResult;
  maps: MapView[];
}

/** The id of the precomputed result: below every id the bridge gives (they start at 0). */
export const FIRST_LOOK_ID = -1;

/** Runs the default model on the default text, as the worker's first analysis does. */
export async function computeFirstLook(): Promise<FirstLook> {
  const spec = defaultSpec();
  const text = DEFAULT_TEXT;
  const tokens = tokenize(text, spec.maxLen).ids;
  const rt = await Runtime.start({ ort, numThreads: 1, preferWebGpu: false });
  const { result, held } = await analyse(new Sessions(rt), { id: FIRST_LOOK_ID, spec, tokens, view: { layer: 0, head: 0 } });
  const maps: MapView[] = [];
  for (let layer = 0; layer < layerSchedule(spec).length; layer++) for (let head = 0; head < spec.nHeads; head++) maps.push(mapView(held, { layer, head })!);
  return { spec, text, result, maps };
}

const b64 = (a: Float32Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

/** `value` as JSON, its typed arrays as `{ $f32 }` / `{ $u16 }` base64 (decoded by src/state/firstLook.ts). */
export function encodeFirstLook(value: FirstLook): string {
  return JSON.stringify(value, (_key, v: unknown) => (v instanceof Float32Array ? { $f32: b64(v) } : v instanceof Uint16Array ? { $u16: b64(v) } : v));
}

/** The source of `virtual:first-look`: its default export is the encoded first look. */
export async function firstLookModule(): Promise<string> {
  return `export default ${encodeFirstLook(await computeFirstLook())};\n`;
}

// Run as a script (vite.config.ts does, with tsx): print the module's source.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.stdout.write(await firstLookModule());
