/**
 * The colour scales of maps, precomputed as lookup tables so drawing a map is a copy. Blues is a
 * sequential, colour-blind-safe ColorBrewer scale; what changes between scales is how a weight
 * (as a fraction of the map's largest |weight|) is spread over it.
 */
import { rgb } from 'd3-color';
import { interpolateBlues } from 'd3-scale-chromatic';

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

/**
 * Draws a grid of `cols` × `rows` cells on `canvas` at `width` × `height` CSS pixels: one pixel
 * per cell in an offscreen image, scaled up without smoothing. `index(k)` gives the LUT entry
 * (0–255) of cell k in row-major order.
 */
export function paintCells(canvas: HTMLCanvasElement, grid: { cols: number; rows: number; width: number; height: number }, lut: Uint8ClampedArray, index: (k: number) => number): void {
  const { cols, rows, width, height } = grid;
  const g = canvas.getContext('2d');
  if (!g) return;
  const img = new ImageData(cols, rows);
  for (let k = 0; k < cols * rows; k++) {
    const c = index(k) * 3;
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
