/**
 * The colour scales of maps, precomputed as lookup tables so drawing a map is a copy. Blues is a
 * sequential, colour-blind-safe ColorBrewer scale for maps of non-negative weights; RdBu is the
 * diverging one for signed maps (red below 0, white at 0, blue above, so positive weights keep
 * Blues' hue). What changes between scales is how a weight (as a fraction of the map's largest
 * |weight|) is spread over the ramp: √, linear or log.
 */
import { rgb } from 'd3-color';
import { interpolateBlues, interpolateRdBu } from 'd3-scale-chromatic';

/** √ shows small weights (a causal map's first row is always 1); log spreads four decades; linear is proportional. */
export type MapScale = 'sqrt' | 'linear' | 'log';

export const LUT_STEPS = 256;
/** Decades the log scale spans below the largest weight. */
const LOG_DECADES = 4;

/** A scale as 256 RGB triples, so a canvas heatmap is drawn by copying. */
export function colourTable(interpolate: (t: number) => string): Uint8ClampedArray {
  const table = new Uint8ClampedArray(LUT_STEPS * 3);
  for (let i = 0; i < LUT_STEPS; i++) {
    const { r, g, b } = rgb(interpolate(i / (LUT_STEPS - 1)));
    table.set([r, g, b], i * 3);
  }
  return table;
}

/** Where a legend's gradient has its stops. */
export const STOPS = [0, 0.2, 0.4, 0.6, 0.8, 1];
/** A CSS gradient along a scale, for legends. */
export const gradientOf = (interpolate: (t: number) => string): string => `linear-gradient(to right, ${STOPS.map((t) => interpolate(t)).join(', ')})`;

/** 256 RGB triples from white-ish to dark blue. */
export const BLUES_LUT: Uint8ClampedArray = colourTable(interpolateBlues);
/** CSS gradient matching the LUT, for legends (every scale uses the same ramp; its positions differ). */
export const BLUES_GRADIENT = gradientOf(interpolateBlues);

/** 256 RGB triples from dark red (−1) through white (0) to dark blue (+1): ColorBrewer RdBu. */
export const RDBU_LUT: Uint8ClampedArray = colourTable(interpolateRdBu);
/** CSS gradient matching RDBU_LUT, for legends. */
export const RDBU_GRADIENT = gradientOf(interpolateRdBu);

/**
 * Draws a grid of `cols` × `rows` cells on `canvas` at `width` × `height` CSS pixels: one pixel
 * per cell in an offscreen image, scaled up without smoothing. `index(k)` gives the LUT entry
 * (0–255) of cell k in row-major order. Returns those indices (for data attributes and export).
 */
export function paintCells(canvas: HTMLCanvasElement, grid: { cols: number; rows: number; width: number; height: number }, lut: Uint8ClampedArray, index: (k: number) => number): Uint8Array {
  const { cols, rows, width, height } = grid;
  const indices = Uint8Array.from({ length: cols * rows }, (_, k) => index(k));
  const g = canvas.getContext('2d');
  if (!g) return indices;
  const img = new ImageData(cols, rows);
  for (let k = 0; k < cols * rows; k++) {
    const c = indices[k]! * 3;
    img.data[k * 4] = lut[c]!;
    img.data[k * 4 + 1] = lut[c + 1]!;
    img.data[k * 4 + 2] = lut[c + 2]!;
    img.data[k * 4 + 3] = 255;
  }
  const off = new OffscreenCanvas(cols, rows);
  off.getContext('2d')!.putImageData(img, 0, 0);
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  g.imageSmoothingEnabled = false;
  g.drawImage(off, 0, 0, canvas.width, canvas.height);
  return indices;
}

/** Cells at one pixel each as a PNG data URL (for exported pictures, drawn sharp with image-rendering: pixelated). */
export function cellsDataUrl(cols: number, rows: number, lut: Uint8ClampedArray, indices: Uint8Array): string {
  const canvas = document.createElement('canvas');
  canvas.width = cols;
  canvas.height = rows;
  const img = new ImageData(cols, rows);
  for (let k = 0; k < cols * rows; k++) img.data.set([lut[indices[k]! * 3]!, lut[indices[k]! * 3 + 1]!, lut[indices[k]! * 3 + 2]!, 255], k * 4);
  canvas.getContext('2d')?.putImageData(img, 0, 0);
  return canvas.toDataURL('image/png');
}

/**
 * The colour of each cell as hex RGB ("rrggbb"), cells separated by commas and rows by
 * semicolons: the data attribute that tells tests which colour a value was given.
 */
export function colourRows(cols: number, rows: number, lut: Uint8ClampedArray, indices: Uint8Array): string {
  const hex = Array.from({ length: LUT_STEPS }, (_, i) => Array.from(lut.subarray(i * 3, i * 3 + 3), (v) => v.toString(16).padStart(2, '0')).join(''));
  const out: string[] = [];
  for (let i = 0; i < rows; i++) out.push(Array.from(indices.subarray(i * cols, (i + 1) * cols), (c) => hex[c]!).join(','));
  return out.join(';');
}

/** Position 0 … 1 on the colour ramp of a fraction f ∈ [0, 1] of the largest weight. */
export function rampPosition(f: number, scale: MapScale): number {
  if (!(f > 0)) return 0;
  if (scale === 'linear') return Math.min(1, f);
  if (scale === 'sqrt') return Math.min(1, Math.sqrt(f));
  return Math.min(1, Math.max(0, 1 + Math.log10(f) / LOG_DECADES));
}

/** LUT index of a fraction f of the largest weight. */
export const colourIndex = (f: number, scale: MapScale): number => Math.round(rampPosition(f, scale) * (LUT_STEPS - 1));

/**
 * LUT index of a signed fraction f ∈ [−1, 1] of the largest |weight| on a diverging ramp centred
 * on 0: |f| is spread by `scale` as on the sequential ramp, and the sign picks the side.
 */
export const divergingIndex = (f: number, scale: MapScale): number => Math.round((0.5 + 0.5 * Math.sign(f) * rampPosition(Math.abs(f), scale)) * (LUT_STEPS - 1));

/** True when any value is negative (a signed map), remembered per array: the maps are large and do not change. */
const signedCache = new WeakMap<Float32Array, boolean>();
export function hasNegative(values: Float32Array): boolean {
  let known = signedCache.get(values);
  if (known === undefined) {
    known = values.some((v) => v < 0);
    signedCache.set(values, known);
  }
  return known;
}
