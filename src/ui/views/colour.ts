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

/** 256 RGB triples from white-ish to dark blue. */
export const BLUES_LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(LUT_STEPS * 3);
  for (let i = 0; i < LUT_STEPS; i++) {
    const c = rgb(interpolateBlues(i / (LUT_STEPS - 1)));
    lut.set([c.r, c.g, c.b], i * 3);
  }
  return lut;
})();

/** Position 0 … 1 on the colour ramp of a fraction f ∈ [0, 1] of the largest weight. */
export function rampPosition(f: number, scale: MapScale): number {
  if (!(f > 0)) return 0;
  if (scale === 'linear') return Math.min(1, f);
  if (scale === 'sqrt') return Math.min(1, Math.sqrt(f));
  return Math.min(1, Math.max(0, 1 + Math.log10(f) / LOG_DECADES));
}

/** LUT index of a fraction f of the largest weight. */
export const colourIndex = (f: number, scale: MapScale): number => Math.round(rampPosition(f, scale) * (LUT_STEPS - 1));

/** CSS gradient matching the LUT, for legends (every scale uses the same ramp; its positions differ). */
export const BLUES_GRADIENT = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => interpolateBlues(t)).join(', ')})`;
