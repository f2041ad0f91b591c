/**
 * What the training charts share, on top of the views' chart.ts: their frame (with room for a
 * legend under the x axis), one curve drawn through its thinned points, the timeline's cursor, the
 * legend, and the chart as a standalone SVG for export. Drawn with D3 after each render.
 */
import type { ScaleContinuousNumeric } from 'd3-scale';
import type { Selection } from 'd3-selection';
import { line } from 'd3-shape';
import { svgDocument } from '../views/ExportButtons';
import { headColour, headDash, type Frame } from '../views/chart';
import { thinIndices } from './curves';

export type Group = Selection<SVGGElement, unknown, null, undefined>;
type Scale = ScaleContinuousNumeric<number, number>;

export const PLOT_HEIGHT = 200;
export const LEGEND_ROW = 14;
/** Legend entries a row holds. */
export const LEGEND_PER_ROW = 3;

/** A chart's frame with `rows` legend rows under the x axis (where no curve can cross them), and a right margin for a second axis. */
export const trainFrame = (rows: number, right = 14): Frame => ({
  width: 420,
  height: PLOT_HEIGHT + 8 + rows * LEGEND_ROW,
  margin: { top: 10, right, bottom: 34 + 8 + rows * LEGEND_ROW, left: 52 },
});

export interface LegendEntry {
  label: string;
  colour: string;
  dash: string | null;
  /** Dots on the line (a curve drawn at a few points only). */
  dots?: boolean;
}

/** Rows the legend of `n` entries takes. */
export const legendRows = (n: number): number => Math.ceil(n / LEGEND_PER_ROW);

/** The legend under the x axis, `LEGEND_PER_ROW` entries a row, part of the chart so an export carries it. */
export function drawLegend(g: Group, f: Frame, entries: LegendEntry[]) {
  const plotHeight = f.height - f.margin.top - f.margin.bottom;
  const column = (f.width - 16) / LEGEND_PER_ROW;
  const legend = g.append('g').attr('class', 'legend').attr('transform', `translate(${8 - f.margin.left},${plotHeight + 42})`);
  entries.forEach((e, i) => {
    const row = legend.append('g').attr('transform', `translate(${(i % LEGEND_PER_ROW) * column},${Math.floor(i / LEGEND_PER_ROW) * LEGEND_ROW})`);
    row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 5).attr('y2', 5).attr('stroke', e.colour).attr('stroke-width', 2).attr('stroke-dasharray', e.dash);
    if (e.dots) row.append('circle').attr('cx', 9).attr('cy', 5).attr('r', 2.5).attr('fill', e.colour);
    row.append('text').attr('x', 22).attr('y', 5).attr('dy', '0.35em').attr('fill', 'currentColor').text(e.label);
  });
}

export interface Curve {
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  colour: string;
  dash: string | null;
  width?: number;
  opacity?: number;
  dots?: boolean;
  /** Its data-series name (tests find a curve by it). */
  name: string;
}

/**
 * Draws `c` through its thinned points (thinIndices: at most four a pixel column) in `g`; returns
 * the indices drawn. Points the y scale cannot place (≤ 0 on a log axis) are left out.
 */
export function drawCurve(g: Group, x: Scale, y: Scale, c: Curve): number[] {
  const [y0, y1] = y.domain() as [number, number];
  const log = 'base' in y;
  const ys = Array.from(c.ys, (v) => (log && !(v > 0) ? NaN : v));
  const [x0, x1] = x.range() as [number, number];
  const kept = c.dots ? ys.flatMap((v, i) => (Number.isFinite(v) ? [i] : [])) : thinIndices(c.xs, ys, (x.domain() as number[])[0]!, (x.domain() as number[])[1]!, Math.abs(x1 - x0));
  const path = line<number>()
    .x((i) => x(c.xs[i]!))
    .y((i) => y(Math.min(Math.max(ys[i]!, Math.min(y0, y1)), Math.max(y0, y1))));
  const sg = g.append('g').attr('class', 'series').attr('data-series', c.name);
  sg.append('path')
    .attr('fill', 'none')
    .attr('stroke', c.colour)
    .attr('stroke-width', c.width ?? 1.5)
    .attr('stroke-opacity', c.opacity ?? 1)
    .attr('stroke-dasharray', c.dash)
    .attr('d', path(kept));
  if (c.dots)
    sg.selectAll('circle')
      .data(kept)
      .join('circle')
      .attr('cx', (i) => x(c.xs[i]!))
      .attr('cy', (i) => y(ys[i]!))
      .attr('r', 2.2)
      .attr('fill', c.colour)
      .attr('fill-opacity', c.opacity ?? 1);
  return kept;
}

/** The dashed reference line of what uniform causal attention scores, and its legend entry. */
export const UNIFORM_ENTRY: LegendEntry = { label: 'uniform (causal)', colour: 'currentColor', dash: '4 3' };

/** The legend of a per-head chart: one entry per head, then the uniform reference when there is one. */
export const headEntries = (heads: number, uniform: boolean): LegendEntry[] => [
  ...Array.from({ length: heads }, (_, h) => ({ label: `head ${h}`, colour: headColour(h), dash: headDash(h), dots: true })),
  ...(uniform ? [UNIFORM_ENTRY] : []),
];

/**
 * One curve per head against step (the `selected` head drawn last and thickest), over the dashed
 * line of the uniform reference when there is one: the head-entropy and head-statistics charts.
 */
export function drawHeadSeries(g: Group, x: Scale, y: Scale, steps: readonly number[], heads: readonly ArrayLike<number>[], selected: number, uniform: number | null) {
  const [x0, x1] = x.range() as [number, number];
  if (uniform !== null)
    g.append('line').attr('class', 'reference').attr('x1', x0).attr('x2', x1).attr('y1', y(uniform)).attr('y2', y(uniform)).attr('stroke', UNIFORM_ENTRY.colour).attr('stroke-opacity', 0.6).attr('stroke-dasharray', UNIFORM_ENTRY.dash);
  const order = [...heads.keys()].filter((k) => k !== selected).concat(selected < heads.length ? [selected] : []);
  for (const k of order)
    drawCurve(g, x, y, { name: `head-${k}`, xs: steps, ys: heads[k]!, colour: headColour(k), dash: headDash(k), width: k === selected ? 2.6 : 1.3, opacity: k === selected ? 1 : 0.75, dots: true });
}

/** The timeline's cursor: a vertical line at `step` across the plot, labelled. */
export function drawCursor(g: Group, x: Scale, plotHeight: number, step: number | null) {
  if (step === null) return;
  const at = x(step);
  const cursor = g.append('g').attr('class', 'timeline-cursor').attr('data-step', step);
  cursor.append('line').attr('x1', at).attr('x2', at).attr('y1', 0).attr('y2', plotHeight).attr('stroke', 'currentColor').attr('stroke-width', 1.2).attr('stroke-dasharray', '3 2');
  cursor.append('text').attr('x', at + 3).attr('y', 10).attr('fill', 'currentColor').text(`step ${step}`);
}

/** The chart as a standalone SVG document, or null before it has drawn a point (data-points unset or 0). */
export function trainChartDocument(svg: SVGSVGElement | null): string | null {
  return svg && Number(svg.dataset['points'] ?? 0) > 0 ? svgDocument(svg, `<style>svg{color:${getComputedStyle(svg).color}}</style>`) : null;
}
