/**
 * An opened ONNX model in a worker (docs/using.md, "Open your own model"): the person's file as
 * given, which latency times as "fast"; a copy with its attention Softmaxes tapped as extra
 * outputs (src/opened/tap.ts), which runs for the maps as "inspect"; and what the page knows of it
 * (src/opened/read.ts). Independent of comlink so Node tests run exactly what the worker runs.
 *
 * The person's file is never changed and never leaves the page: the worker keeps the bytes it was
 * sent, and a restarted worker is sent them again (src/state/host.ts).
 */
import { readModel } from '../src/opened/read';
import { tapModel, tapNames } from '../src/opened/tap';
import { feeds, fedLength } from '../src/opened/inputs';
import { probeMaps } from '../src/opened/probes';
import { OpenError, type OpenedInfo } from '../src/opened/types';
import { openedMemory } from '../src/opened/memory';
import { rowEntropies, rowSupport } from '../src/analysis/maps';
import { headStats } from '../src/analysis/headStats';
import { ERROR } from '../src/spec/errors';
import { formatBytes } from '../src/spec/units';
import { MEMORY_BUDGET_BYTES } from '../src/compiler/budget';
import type { InputTensor } from '../src/runtime/ort';
import { timeSpread, FAST_LIMITS, FAST_RUNS, INSPECT_LIMITS, INSPECT_RUNS } from './latency';
import { mapView, Superseded, thumbnails, type HeldMaps } from './analyse';
import type { Recipe, Sessions } from './sessions';
import { THUMB_SIDE, type AnalysisRequest, type AnalysisResult, type AnalysisStage, type LatencyFigure, type LatencyMode, type OpenedRequest } from './api';

/** An opened model as a worker holds it. */
export interface OpenedModel {
  /** Names this opening of the file (a file opened twice gets two keys). */
  key: string;
  info: OpenedInfo;
  /** The file as given: timed as the fast model. */
  original: Uint8Array;
  /** The copy with every attention Softmax tapped: run for the maps. */
  tapped: Uint8Array;
  /** The output each attention site is tapped as, in the tapped copy. */
  taps: string[];
  /** Heads of each attention site: from the graph, or learned from the first run. */
  heads: (number | null)[];
}

/** Reads, checks and taps `bytes` (throws OpenError with one sentence when the file is refused). */
export function openModel(key: string, bytes: Uint8Array, fileName: string): OpenedModel {
  const { info, model } = readModel(bytes, fileName);
  return { key, info, original: bytes, tapped: tapModel(model, info.attention), taps: tapNames(model, info.attention), heads: info.attention.map((s) => s.heads) };
}

/** Thrown when the worker holds no model under a request's key: the page sends the file again. */
export class NotOpened extends Error {
  constructor(key: string) {
    super(`this worker does not hold the opened model ${key}`);
    this.name = ERROR.NotOpened;
  }
}

/** The session recipe of the opened model: the tapped copy for the maps, the file as given for "fast". */
export function openedRecipe(m: OpenedModel, mode: LatencyMode): Recipe {
  return { graph: `opened ${m.key} ${mode}`, build: () => (mode === 'fast' ? m.original : m.tapped) };
}

/**
 * The inputs of a run of `m` on the request (ids through the model's own input, the rest built or
 * given), and the length it runs at: the text's, or the fixed length of a model exported for one,
 * the text padded (src/opened/inputs.ts); 0 for a model fed no text.
 */
export function openedInputs(m: OpenedModel, req: OpenedRequest): { inputs: InputTensor[]; fed: number } {
  const inputs = feeds(m.info, req.ids ?? [], req.others);
  return { inputs, fed: req.ids?.length ? fedLength(m.info, req.ids.length) : 0 };
}

/** Refuses, before anything runs, an analysis of `m` at T over the memory budget. */
export function checkOpenedBudget(m: OpenedModel, T: number): void {
  const { files, weights, probes, logits, total } = openedMemory(m.info, T, m.heads);
  if (total <= MEMORY_BUDGET_BYTES) return;
  const parts = `the file twice ${formatBytes(files)}, weights in two sessions ${formatBytes(weights)}, attention probes ${formatBytes(probes)}${logits ? `, logits ${formatBytes(logits)}` : ''}`;
  const e = new Error(`${m.info.fileName} at ${T} tokens would need about ${formatBytes(total)} (${parts}), over the ${formatBytes(MEMORY_BUDGET_BYTES)} budget: shorten the text${T > 1 ? '' : ' or open a smaller model'}.`);
  e.name = ERROR.BudgetError;
  throw e;
}

/**
 * Runs the tapped copy of `m` once on `req` and summarises it for the views as a playground
 * model's analysis is (workers/analyse.ts): the maps of every attention found (batch element 0),
 * their thumbnails, row entropy and support, head statistics, and the logits when the model has
 * them. Layers whose maps are not square over the same length as the first are listed as not drawn.
 */
export async function analyseOpened(
  sessions: Sessions,
  m: OpenedModel,
  req: AnalysisRequest & { opened: OpenedRequest },
  isStale: () => boolean = () => false,
  onStage: (stage: AnalysisStage) => void = () => undefined,
): Promise<{ result: AnalysisResult; held: HeldMaps }> {
  const check = () => {
    if (isStale()) throw new Superseded(req.id);
  };
  const { info } = m;
  if (info.attention.length === 0) {
    const fused = info.fused.length ? ` ${info.fused.map((f) => `${f.opType} node “${f.node}”: ${f.why}`).join(' ')}` : '';
    throw new OpenError(`No attention Softmax was found in ${info.fileName}, so there is no map to draw.${fused}`);
  }
  const ids = req.opened.ids ?? [];
  check();
  onStage('compiling');
  // A model exported for a fixed length runs on the text padded to it; the views show the text's positions.
  const { inputs, fed } = openedInputs(m, req.opened);
  const padded = fed > ids.length;
  checkOpenedBudget(m, fed || 1);
  const t0 = performance.now();
  const createdBefore = sessions.created;
  const model = await sessions.get(req.slot ?? 'a', 'inspect', openedRecipe(m, 'inspect'));
  const t1 = performance.now();
  check();
  onStage('running');
  const names = m.taps;
  const out = await model.runInputs(inputs, info.logits ? [...names, info.logits] : names);
  const t2 = performance.now();
  check();

  const probes = info.attention.map((site, i) => {
    const p = out[names[i]!]!;
    const maps = probeMaps(p.dims, p.data, m.heads[i] ?? null);
    m.heads[i] = maps.heads;
    return { site, ...(padded && maps.Tq === fed && maps.Tk === fed ? withoutPadding(maps, ids.length, info.fileName, site.softmax) : maps) };
  });
  const first = probes.find((p) => p.Tq === p.Tk);
  if (!first) throw new OpenError(`Every attention found in ${info.fileName} maps queries onto keys of another length (cross-attention); the views draw square maps only.`);
  const T = first.Tq;
  const drawn = probes.filter((p) => p.Tq === T && p.Tk === T);
  const notDrawn = probes.filter((p) => !drawn.includes(p)).map((p) => `${p.site.softmax} (${p.Tq} queries × ${p.Tk} keys)`);
  const H = Math.max(...drawn.map((p) => p.heads));
  // A layer with fewer heads than the widest gets empty maps for the heads it lacks.
  const maps = drawn.map((p) => (p.heads === H ? p.maps : padHeads(p.maps, p.heads, H, T)));
  const tokens = ids.length === T ? ids : Array.from({ length: T }, (_, i) => i);
  const held: HeldMaps = { id: req.id, T, nHeads: H, maps };
  const view = req.view ?? { layer: 0, head: 0 };
  const logits = logitsOf(m, out, T, padded ? fed : T);
  const result: AnalysisResult = {
    id: req.id,
    T,
    nLayers: drawn.length,
    nHeads: H,
    map: mapView(held, view) ?? mapView(held, { layer: 0, head: 0 })!,
    thumbs: maps.map((x) => thumbnails(x, T, H)),
    thumbSide: THUMB_SIDE,
    entropy: maps.map((x) => rowEntropies(x, H, T)),
    support: maps.map((x) => rowSupport(x, H, T)),
    residRms: new Float32Array(0),
    logits: logits?.data ?? new Float32Array(0),
    vocabSize: logits?.V ?? 0,
    router: drawn.map(() => null),
    headStats: maps.map((x) => headStats(x, tokens, H)),
    timings: { compileMs: 0, loadMs: t1 - t0, inspectRunMs: t2 - t1, reused: sessions.created === createdBefore },
    backend: sessions.runtime.backend,
    weights: `opened ${info.fileName}`,
    opened: {
      fileName: info.fileName,
      layers: drawn.map((p) => ({ softmax: p.site.softmax, heads: p.heads })),
      notDrawn,
      textFed: ids.length === T,
      paddedTo: padded ? fed : null,
    },
  };
  return { result, held };
}

/**
 * Median of warm runs of the opened model: the file as given ("fast"), or the tapped copy
 * ("inspect"). `T` is the length its maps were drawn at, for a model fed no text (its ids say it otherwise).
 */
export async function timeOpened(sessions: Sessions, m: OpenedModel, req: AnalysisRequest & { opened: OpenedRequest }, mode: LatencyMode, isStale: () => boolean = () => false, T = req.tokens.length): Promise<LatencyFigure> {
  const check = () => {
    if (isStale()) throw new Superseded(req.id);
  };
  check();
  const { inputs, fed } = openedInputs(m, req.opened);
  checkOpenedBudget(m, fed || 1);
  const model = await sessions.get(req.slot ?? 'a', mode, openedRecipe(m, mode));
  check();
  const timing = await timeSpread((n) => model.timeInputs(inputs, n, isStale), mode === 'fast' ? FAST_RUNS : INSPECT_RUNS, mode === 'fast' ? FAST_LIMITS : INSPECT_LIMITS, isStale);
  check();
  return { id: req.id, mode, provider: sessions.runtime.backend.provider, T: fed || T, medianMs: timing.medianMs, runs: timing.samplesMs.length, samplesMs: timing.samplesMs };
}

/** [h, T, T] maps as [H, T, T], the missing heads zero. */
function padHeads(maps: Float32Array, h: number, H: number, T: number): Float32Array {
  const out = new Float32Array(H * T * T);
  out.set(maps.subarray(0, h * T * T));
  return out;
}

/**
 * The maps [h, T, T] of the text's first T positions, out of maps [h, L, L] run on the text padded
 * to a model's fixed length L. Refused where the padding takes weight from the text's rows (the
 * mask fed does not hide keys, so the text's maps are not what they would be unpadded).
 */
export function withoutPadding(p: { heads: number; Tq: number; Tk: number; maps: Float32Array }, T: number, fileName: string, softmax: string): { heads: number; Tq: number; Tk: number; maps: Float32Array } {
  const { heads: h, Tk: L } = p;
  const maps = new Float32Array(h * T * T);
  let leak = 0;
  for (let hq = 0; hq < h * T; hq++) {
    const head = Math.floor(hq / T);
    const row = p.maps.subarray((head * L + (hq % T)) * L, (head * L + (hq % T) + 1) * L);
    maps.set(row.subarray(0, T), hq * T);
    let padding = 0;
    for (let k = T; k < L; k++) padding += row[k]!;
    leak = Math.max(leak, padding);
  }
  if (!(leak <= PADDING_LEAK)) {
    throw new OpenError(`${fileName} was exported for exactly ${L} tokens, so the text's ${T} were padded with ${L - T} more hidden by its mask, but ${softmax} still gives the padding ${(leak * 100).toPrecision(2)}% of a row: its mask does not hide keys, so the maps would not be the text's own. Write a text of exactly ${L} tokens.`);
  }
  return { heads: h, Tq: T, Tk: T, maps };
}

/** The most weight a row of the text may give the padding and still be drawn as the text's own (masks add −10⁴ or −∞: e^−10⁴ is 0 in float32). */
export const PADDING_LEAK = 1e-6;

/**
 * The logits of batch element 0 as [T, V], when the model has an output of next-token scores over
 * the `fedRows` positions it was fed (the text's T, or T and its padding); probabilities (a Softmax
 * output) become log-probabilities, so the views' softmax gives them back.
 */
function logitsOf(m: OpenedModel, out: Record<string, { dims: number[]; data: Float32Array }>, T: number, fedRows: number): { data: Float32Array; V: number } | null {
  const name = m.info.logits;
  const o = name ? out[name] : undefined;
  if (!o || o.dims.length < 2) return null;
  const V = o.dims[o.dims.length - 1]!;
  const rows = o.dims[o.dims.length - 2]!;
  if (rows !== fedRows) return null;
  const data = o.data.slice(0, T * V);
  if (m.info.logitsAreProbabilities) for (let i = 0; i < data.length; i++) data[i] = Math.log(Math.max(data[i]!, 1e-30));
  return { data, V };
}
