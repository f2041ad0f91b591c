/**
 * The share document: the whole of a person's work (model, text, view, and the lesson and
 * classroom settings a teacher chose) as one versioned JSON object, carried in a link after `#s=`
 * compressed with lz-string (URI-safe alphabet). The same document is what the page saves locally.
 *
 * Everything read back goes through `readShareDoc`: the document's shape by schema, the spec by
 * the spec validator (which migrates older formats), then a repair step that fills what an older
 * or hand-made document leaves out and keeps the view inside the model, saying what it repaired.
 * Links of the first kind (`#c=`, the spec alone) still open, with the default text and view.
 * Every refusal is one line naming what was wrong; nothing here throws on any input.
 */
import type { Recipe } from './recipe';
import type { Experiment } from './experiment';
import { readExperiment } from './experimentSchema';
import LZString from 'lz-string';
import { z } from 'zod';
import { DEFAULT_TEXT } from './defaults';
import { layerSchedule } from './schedule';
import { LIMITS, parseSpec, type SpecResult } from './schema';
import { SPEC_VERSION, type Spec } from './types';

/** The share-document format version this code writes. */
export const SHARE_VERSION = 1;
/** Longest link data read (characters after `s=` or `c=`): a 12-layer spec compresses to about 2,000. */
export const MAX_LINK_DATA = 16_000;
/** Longest decompressed JSON accepted (characters), far above any valid document. */
export const MAX_LINK_JSON = 200_000;
/** Longest text a document may hold (characters). */
export const MAX_SHARE_TEXT = 100_000;

/** Parts of the page a classroom link may hide. */
export const CLASSROOM_PARTS = ['palette', 'settings', 'stack', 'inspector', 'stats', 'text', 'presets', 'latency', 'views', 'export', 'train', 'experiments'] as const;
export type ClassroomPart = (typeof CLASSROOM_PARTS)[number];

/** Preset and lesson ids: letters, digits, '-' and '_', at most 64 characters. */
export const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The work a link or the local save carries. */
export interface ShareDoc {
  v: typeof SHARE_VERSION;
  spec: Spec;
  text: string;
  /** The layer run and head the views show. */
  view: { layer: number; head: number };
  /** The preset the spec came from, when it has not been edited since. */
  preset?: string;
  /** The lesson being followed and its step (0-based). */
  lesson?: { id: string; step: number };
  /** Classroom mode: parts of the page hidden, and whether the lesson is locked. */
  classroom?: { hide: ClassroomPart[]; locked: boolean };
  /** The training recipe (never the weights): opening the link offers "Train to reproduce". */
  train?: SharedRecipe;
  /** The experiment in the Experiments panel (its definition, never its results): opening the link puts it there. */
  experiment?: Experiment;
}

/** A training recipe as a link carries it (`text` only for a task that trains on a text of the person's own). */
export type SharedRecipe = Recipe;

/** What was wrong with a link, as a kind (for tests and styling) and a one-line reason. */
export type LinkProblem = 'not-ours' | 'damaged' | 'too-long' | 'tampered' | 'newer';

export type ShareResult =
  | { ok: true; doc: ShareDoc; format: 's' | 'c'; repaired: string[] }
  /** `errors`: every validator error (for the command line); `reason` is the one line to show. */
  | { ok: false; problem: LinkProblem; reason: string; errors: string[] };

type Refusal = Extract<ShareResult, { ok: false }>;
const fail = (problem: LinkProblem, reason: string, errors: string[] = [reason]): Refusal => ({ ok: false, problem, reason, errors });
const tampered = (errors: string[]): Refusal => fail('tampered', `it was altered or is not valid (${errors[0]})`, errors);

const show = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));
const whole = (what: string, max: number) => z.number({ error: (iss) => `must be a whole number from 0 to ${max}, got ${show(iss.input)}` }).int({ error: `${what} must be a whole number` }).min(0, { error: `${what} must be 0 or more` }).max(max, { error: `${what} must be at most ${max}` });
const safeId = z.string({ error: 'must be a string' }).regex(SAFE_ID, { error: 'must be letters, digits, "-" or "_" (at most 64)' });

/** Largest whole numbers of a recipe in a link: far above what the page trains (the worker checks the real limits). */
const RECIPE_MAX = { T: 100_000, batch: 100_000, steps: 10_000_000, seed: 2 ** 32 - 1 } as const;
const count = (what: string, min: number, max: number) =>
  z.number({ error: (iss) => `must be a whole number from ${min} to ${max}, got ${show(iss.input)}` }).int({ error: `${what} must be a whole number` }).min(min, { error: `${what} must be at least ${min}` }).max(max, { error: `${what} must be at most ${max}` });
const real = (what: string, min: number, max: number, open = false) =>
  z
    .number({ error: (iss) => `must be a number, got ${show(iss.input)}` })
    .refine((v) => Number.isFinite(v) && (open ? v > min : v >= min) && v <= max, { error: `${what} must be from ${open ? 'above ' : ''}${min} to ${max}` });
/** A task parameter: a number, a string or a flag (each task's own schema checks it further). */
const param = z.union([z.number(), z.string().max(1000), z.boolean()], { error: 'must be a number, a string or true/false' });

const recipeSchema = z.strictObject({
  task: safeId,
  taskParams: z.record(z.string().max(64), param, { error: 'must be an object of parameters' }).refine((p) => Object.keys(p).length <= 32, { error: 'has too many parameters' }),
  text: z.string({ error: 'must be a string' }).max(MAX_SHARE_TEXT, { error: `must be at most ${MAX_SHARE_TEXT} characters` }).optional(),
  T: count('T', 1, RECIPE_MAX.T),
  batch: count('batch', 1, RECIPE_MAX.batch),
  steps: count('steps', 1, RECIPE_MAX.steps),
  lr: real('the learning rate', 0, 10, true),
  warmup: count('warmup', 0, RECIPE_MAX.steps),
  minLrRatio: real('minLrRatio', 0, 1),
  seed: count('seed', 0, RECIPE_MAX.seed),
  evalEvery: count('evalEvery', 1, RECIPE_MAX.steps),
  weightDecay: real('the weight decay', 0, 1).refine((v) => v < 1, { error: 'the weight decay must be below 1' }).optional(),
});

/** A recipe read from a link or a trained-model file, or every reason it is refused ("train.lr: …"). */
export function readRecipe(raw: unknown, where = 'train'): { ok: true; recipe: SharedRecipe } | { ok: false; errors: string[] } {
  const r = recipeSchema.safeParse(raw);
  if (r.success) {
    const { text, weightDecay, ...rest } = r.data;
    return { ok: true, recipe: { ...rest, ...(text !== undefined ? { text } : {}), ...(weightDecay !== undefined ? { weightDecay } : {}) } };
  }
  const at = (path: PropertyKey[]) => [where, ...path.map(String)].filter(Boolean).join('.') || 'recipe';
  return { ok: false, errors: r.error.issues.map((i) => `${at(i.path)}: ${i.message}`) };
}

const docSchema = z.strictObject({
  v: z.literal(SHARE_VERSION),
  spec: z.unknown(),
  text: z.string({ error: 'must be a string' }).max(MAX_SHARE_TEXT, { error: `must be at most ${MAX_SHARE_TEXT} characters` }).optional(),
  view: z.strictObject({ layer: whole('layer', LIMITS.depth.max - 1), head: whole('head', LIMITS.nHeads.max - 1) }).optional(),
  preset: safeId.optional(),
  lesson: z.strictObject({ id: safeId, step: whole('step', 999) }).optional(),
  classroom: z
    .strictObject({
      hide: z.array(z.enum(CLASSROOM_PARTS, { error: (iss) => `must be one of ${CLASSROOM_PARTS.join(', ')}, got ${show(iss.input)}` })).max(4 * CLASSROOM_PARTS.length, { error: 'lists too many parts' }),
      locked: z.boolean({ error: 'must be true or false' }),
    })
    .optional(),
  // Checked by readRecipe, so its reasons name the field ("train.lr: …").
  train: z.unknown().optional(),
  // Checked by readExperiment; a refused one is left out and the rest of the document opens.
  experiment: z.unknown().optional(),
});

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const newerThan = (v: unknown, current: number) => typeof v === 'number' && Number.isInteger(v) && v > current;

/** The view inside the model: a layer run and a head that exist. */
function clampView(view: { layer: number; head: number }, spec: Spec, repaired: string[]): { layer: number; head: number } {
  const runs = layerSchedule(spec).length;
  const layer = Math.min(view.layer, runs - 1);
  const head = Math.min(view.head, spec.nHeads - 1);
  if (layer !== view.layer) repaired.push(`view: layer ${view.layer} is past the model's ${runs} layer runs; layer ${layer} is shown`);
  if (head !== view.head) repaired.push(`view: head ${view.head} is past the model's ${spec.nHeads} heads; head ${head} is shown`);
  return { layer, head };
}

/** Why a spec of a newer format cannot be read, or null. */
function newerModel(spec: unknown): Refusal | null {
  if (!isRecord(spec) || !newerThan(spec['version'], SPEC_VERSION)) return null;
  return fail('newer', `it was made by a newer Transformer Playground (model format ${String(spec['version'])}; this one reads formats 1 to ${SPEC_VERSION})`);
}

/** Checks and repairs a parsed share document (from a link or the local save). */
export function readShareDoc(raw: unknown): ShareResult {
  if (!isRecord(raw)) return fail('tampered', 'it was altered or is not valid (it does not hold a document object)');
  if (newerThan(raw['v'], SHARE_VERSION)) return fail('newer', `it was made by a newer Transformer Playground (share format ${String(raw['v'])}; this one reads format ${SHARE_VERSION})`);
  const parsed = docSchema.safeParse(raw);
  if (!parsed.success) {
    return tampered(parsed.error.issues.map((i) => `${i.path.join('.') || 'document'}: ${i.path.length === 1 && raw[String(i.path[0])] === undefined ? 'missing' : i.message}`));
  }
  const d = parsed.data;
  if (d.spec === undefined) return tampered(['spec: missing']);
  const newer = newerModel(d.spec);
  if (newer) return newer;
  const spec = parseSpec(d.spec);
  if (!spec.ok) return tampered(spec.errors.map((e) => `spec.${e}`));
  const repaired: string[] = [];
  if (d.text === undefined) repaired.push('text: missing; the default text is used');
  if (d.view === undefined) repaired.push('view: missing; layer 0, head 0 is shown');
  const doc: ShareDoc = { v: SHARE_VERSION, spec: spec.spec, text: d.text ?? DEFAULT_TEXT, view: clampView(d.view ?? { layer: 0, head: 0 }, spec.spec, repaired) };
  if (d.preset !== undefined) doc.preset = d.preset;
  if (d.lesson !== undefined) doc.lesson = d.lesson;
  if (d.classroom !== undefined) {
    const hide = [...new Set(d.classroom.hide)];
    if (hide.length !== d.classroom.hide.length) repaired.push('classroom.hide: parts listed twice were listed once');
    doc.classroom = { hide, locked: d.classroom.locked };
  }
  if (d.train !== undefined) {
    const r = readRecipe(d.train);
    if (!r.ok) return tampered(r.errors);
    doc.train = r.recipe;
  }
  if (d.experiment !== undefined) {
    const e = readExperiment(d.experiment);
    if (e.ok) doc.experiment = e.experiment;
    else repaired.push(`experiment: it is not valid (${e.errors[0]}), so it was left out`);
  }
  return { ok: true, doc, format: 's', repaired };
}

/** JSON text parsed, or the refusal of damaged data. */
function parseJson(json: string): { ok: true; raw: unknown } | { ok: false; result: Refusal } {
  try {
    return { ok: true, raw: JSON.parse(json) };
  } catch {
    return { ok: false, result: fail('damaged', 'it was cut short or damaged (its data is not complete JSON)') };
  }
}

/** Parses share-document JSON text (the local save). */
export function readShareJson(json: string): ShareResult {
  const p = parseJson(json);
  return p.ok ? readShareDoc(p.raw) : p.result;
}

/** The hash part (without '#') that carries `doc`. */
export function shareToHash(doc: ShareDoc): string {
  return `s=${LZString.compressToEncodedURIComponent(JSON.stringify(doc))}`;
}

/** The JSON a link's data holds, or why it cannot be read. */
function unpack(data: string): { ok: true; json: string } | { ok: false; result: Refusal } {
  if (data.length > MAX_LINK_DATA) return { ok: false, result: fail('too-long', `it is too long (${data.length} characters of data; no model needs more than ${MAX_LINK_DATA})`) };
  let json: string | null;
  try {
    // lz-string's decoder expects '+' where URLSearchParams turned it into a space.
    json = LZString.decompressFromEncodedURIComponent(data.replace(/ /g, '+'));
  } catch {
    json = null; // junk can make the decoder fail in its own ways
  }
  if (!json) return { ok: false, result: fail('damaged', 'it was cut short or damaged (its data does not decompress)') };
  if (json.length > MAX_LINK_JSON) return { ok: false, result: fail('too-long', `it is too long (its data expands to ${json.length} characters; no model needs more than ${MAX_LINK_JSON})`) };
  return { ok: true, json };
}

/** The work in a share link (a full URL, or just its hash), or why it cannot be opened. */
export function shareFromLink(link: string): ShareResult {
  try {
    const hash = link.includes('#') ? link.slice(link.indexOf('#') + 1) : link;
    const params = new URLSearchParams(hash);
    const s = params.get('s');
    const c = s === null ? params.get('c') : null;
    const data = s ?? c;
    if (data === null) return fail('not-ours', 'it is not a Transformer Playground link (it has no "#s=…" part)');
    const unpacked = unpack(data);
    if (!unpacked.ok) return unpacked.result;
    const p = parseJson(unpacked.json);
    if (!p.ok) return p.result;
    if (s !== null) return readShareDoc(p.raw);
    // `#c=`: the first kind of link, the spec alone; text and view take their defaults.
    const newer = newerModel(p.raw);
    if (newer) return newer;
    const spec = parseSpec(p.raw);
    if (!spec.ok) return tampered(spec.errors);
    return { ok: true, doc: { v: SHARE_VERSION, spec: spec.spec, text: DEFAULT_TEXT, view: { layer: 0, head: 0 } }, format: 'c', repaired: [] };
  } catch (e) {
    // Nothing above should throw; if something does, the link is still only refused.
    return fail('damaged', `it could not be read (${e instanceof Error ? e.message : String(e)})`);
  }
}

/** The hash part (without '#') of a `#c=` link that carries `spec` alone (the first kind of link, which every version keeps opening). */
export function specToHash(spec: Spec): string {
  return `c=${LZString.compressToEncodedURIComponent(JSON.stringify(spec))}`;
}

/** The spec in a share link (a full URL, or just its hash), or why it cannot be read (the command line's `npm run export -- 'http://…/#s=…'`). */
export function specFromLink(link: string): SpecResult {
  const r = shareFromLink(link);
  if (r.ok) return { ok: true, spec: r.doc.spec };
  return { ok: false, errors: r.problem === 'tampered' ? r.errors : [`link: ${r.reason}`] };
}
