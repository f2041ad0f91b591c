/** The colour scale of attention maps, precomputed as a lookup table so drawing a map is a copy. */
import { interpolateBlues } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';

/** 256 RGB triples from white-ish to dark blue. */
export const BLUES_LUT: Uint8ClampedArray = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const c = rgb(interpolateBlues(i / 255));
    lut.set([c.r, c.g, c.b], i * 3);
  }
  return lut;
})();

/** CSS gradient matching the LUT, for the legend. */
export const BLUES_GRADIENT = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => interpolateBlues(t)).join(', ')})`;
