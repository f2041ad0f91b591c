/**
 * What the small charts share: the plot frame with D3 axes, the colour scales (colour-blind safe:
 * viridis for entropy, cividis for probabilities, Okabe–Ito for one line per head), and how drawn
 * values are written to data attributes so tests read numbers, not pixels.
 */
import { axisBottom, axisLeft, type AxisDomain, type AxisScale } from 'd3-axis';
import { interpolateViridis } from 'd3-scale-chromatic';
import { select, type Selection } from 'd3-selection';
import { gradientOf, STOPS } from './colour';
import { svgDocument } from './ExportButtons';

export { colourTable, gradientOf } from './colour';

export const SVG_NS = 'http://www.w3.org/2000/svg';

/** Outer size and margins of a chart, in CSS pixels. */
export interface Frame {
  width: number;
  height: number;
  margin: { top: number; right: number; bottom: number; left: number };
}

/** The plot area's width and height inside the margins. */
export const inner = (f: Frame) => ({ w: f.width - f.margin.left - f.margin.right, h: f.height - f.margin.top - f.margin.bottom });

/**
 * Clears `svg`, draws a bottom and a left axis with their titles, and returns the plot group
 * (translated to the plot area's origin). Axis text takes the page's text colour (currentColor).
 */
export function plotFrame<X extends AxisDomain, Y extends AxisDomain>(
  svg: SVGSVGElement,
  f: Frame,
  x: AxisScale<X>,
  y: AxisScale<Y>,
  opts: { xTitle: string; yTitle: string; xTicks?: X[]; xFormat?: (v: X) => string; yFormat?: (v: Y) => string; yTicks?: number },
): Selection<SVGGElement, unknown, null, undefined> {
  const { w, h } = inner(f);
  const root = select(svg);
  root.selectAll('*').remove();
  root.attr('viewBox', `0 0 ${f.width} ${f.height}`);
  const g = root.append('g').attr('transform', `translate(${f.margin.left},${f.margin.top})`);
  const xAxis = axisBottom(x).tickSizeOuter(0);
  if (opts.xTicks) xAxis.tickValues(opts.xTicks);
  if (opts.xFormat) xAxis.tickFormat((v) => opts.xFormat!(v));
  const yAxis = axisLeft(y).tickSizeOuter(0).ticks(opts.yTicks ?? 5);
  if (opts.yFormat) yAxis.tickFormat((v) => opts.yFormat!(v));
  g.append('g').attr('class', 'axis x-axis').attr('transform', `translate(0,${h})`).call(xAxis);
  g.append('g').attr('class', 'axis y-axis').call(yAxis);
  g.append('text').attr('class', 'axis-title').attr('fill', 'currentColor').attr('x', w / 2).attr('y', h + f.margin.bottom - 4).attr('text-anchor', 'middle').text(opts.xTitle);
  g.append('text')
    .attr('class', 'axis-title')
    .attr('fill', 'currentColor')
    .attr('transform', `translate(${-f.margin.left + 11},${h / 2}) rotate(-90)`)
    .attr('text-anchor', 'middle')
    .text(opts.yTitle);
  return g;
}

/** Numbers as a data attribute: comma-separated, 7 significant digits, NaN written as NaN. */
export const joinValues = (v: ArrayLike<number>): string => Array.from(v, (x) => (Number.isFinite(x) ? x.toPrecision(7) : String(x))).join(',');

/** Rows of numbers as a data attribute: rows separated by semicolons. */
export const joinRows = (rows: ArrayLike<number>[]): string => rows.map(joinValues).join(';');

/** Tick indices for n items: all of them for short axes, every k-th for long ones. */
export function everyKth(n: number, most: number): number[] {
  const step = Math.max(1, Math.ceil(n / most));
  return Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);
}


/** The colour of a head's mean normalised entropy (viridis: dark purple = focused, yellow = spread); grey when undefined. */
export const entropyColour = (fraction: number): string => (Number.isFinite(fraction) ? interpolateViridis(Math.min(1, Math.max(0, fraction))) : '#8a8a8a');

/** Legend gradient of entropyColour. */
export const ENTROPY_GRADIENT = gradientOf(interpolateViridis);

/**
 * One colour per head line: the Okabe–Ito palette (Okabe & Ito, 2008), distinguishable with every
 * common colour-vision deficiency; heads past the eighth repeat it with a dash pattern.
 */
const OKABE_ITO = ['#0072b2', '#e69f00', '#009e73', '#cc79a7', '#56b4e9', '#d55e00', '#f0e442', '#999999'];
export const headColour = (h: number): string => OKABE_ITO[h % OKABE_ITO.length]!;
export const headDash = (h: number): string | null => (h < OKABE_ITO.length ? null : '5 3');

/** A fraction as a whole percentage, or a dash when undefined. */
export const percent = (f: number): string => (Number.isFinite(f) ? `${(f * 100).toFixed(0)}%` : '—');

/** A mid blue that reads on the light and the dark panel alike (contrast ≥ 3 : 1 on both). */
export const MARK_BLUE = '#3a8fd4';

/**
 * The chart in `svg` as a standalone SVG document, or null before it has drawn data (data-values
 * unset). Marks drawn in currentColor (reference lines, outlines) keep the page's text colour.
 */
export function chartDocument(svg: SVGSVGElement | null, extra = ''): string | null {
  return svg && svg.dataset['values'] ? svgDocument(svg, `<style>svg{color:${getComputedStyle(svg).color}}</style>${extra}`) : null;
}

/** A colour-scale legend as SVG markup: a gradient bar `width` wide at (x, y) with its end labels. */
export function legendMarkup(id: string, x: number, y: number, width: number, interpolate: (t: number) => string, lo: string, hi: string): string {
  const stops = STOPS.map((t) => `<stop offset="${t * 100}%" stop-color="${interpolate(t)}"/>`).join('');
  return (
    `<defs><linearGradient id="${id}">${stops}</linearGradient></defs>` +
    `<text x="${x}" y="${y + 9}" text-anchor="end" dx="-4" fill="currentColor">${lo}</text>` +
    `<rect x="${x}" y="${y}" width="${width}" height="10" fill="url(#${id})"/>` +
    `<text x="${x + width}" y="${y + 9}" dx="4" fill="currentColor">${hi}</text>`
  );
}
