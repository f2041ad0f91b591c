/**
 * The attention map as a picture that leaves the app: a title (model, layer run, head, tokens),
 * the cells at one pixel each drawn sharp, every token labelled on both axes when the labels fit
 * (else every k-th, and the picture says which), and the colour legend with its range and scale.
 */
import type { MapView } from '../../state/store';
import { legendMarkup, SVG_NS } from './chart';
import { cellsDataUrl } from './colour';
import { svgDocument } from './ExportButtons';
import { showPiece } from './pieces';
import { interpolateBlues, interpolateRdBu } from 'd3-scale-chromatic';

/** What the map view last drew: enough to export it as it is on screen. */
export interface DrawnMap {
  map: MapView;
  pieces: string[];
  model: string;
  /** LUT index of each cell, row-major, and the LUT. */
  indices: Uint8Array;
  lut: Uint8ClampedArray;
  /** Largest |value|. */
  max: number;
  colourScale: 'sequential' | 'diverging' | 'magnitude';
  scaleName: string;
}

/** Pixels a tick label needs along its axis (10 px text). */
const LABEL_PX = 11;
/** Sides up to this many cells get every cell labelled (the plot grows to LABEL_PX a cell). */
const LABEL_ALL_UP_TO = 100;
const PLOT_MIN = 360;
const PLOT_LONG = 560;

const escapeXml = (s: string): string => s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The tick layout of an exported map with `side` cells: the plot size, and which cells are labelled. */
export function exportTicks(side: number): { plot: number; ticks: number[]; step: number } {
  const plot = side <= LABEL_ALL_UP_TO ? Math.max(PLOT_MIN, side * LABEL_PX) : PLOT_LONG;
  const step = Math.max(1, Math.ceil((LABEL_PX * side) / plot - 1e-9)); // cells between labels, at least LABEL_PX apart
  return { plot, ticks: Array.from({ length: Math.ceil(side / step) }, (_, i) => i * step), step };
}

/** The standalone SVG document of `d`; `live` is a mounted SVG element whose page colours it takes. */
export function mapSvg(d: DrawnMap, live: SVGSVGElement): string {
  const { map: m, pieces } = d;
  const { plot, ticks, step } = exportTicks(m.side);
  const cell = plot / m.side;
  const left = 56;
  const top = 92;
  const width = Math.max(left + plot + 24, 560);
  const label = (c: number) => escapeXml(m.block === 1 ? showPiece(pieces[c] ?? '') : String(c * m.block));
  const parts: string[] = [];

  const what = m.block === 1 ? `${m.T} tokens` : `${m.T} tokens in ${m.side} × ${m.side} cells, each the mean of a ${m.block} × ${m.block} block`;
  parts.push(`<text class="map-title" x="8" y="18" font-size="14" font-weight="bold">Attention map: ${escapeXml(d.model)}, layer run ${m.layer}, head ${m.head}</text>`);
  parts.push(`<text class="map-subtitle" x="8" y="36">${escapeXml(what)} · rows: queries · columns: keys</text>`);
  const labelled =
    step === 1
      ? m.block === 1
        ? 'Every token is labelled.'
        : 'Every cell is labelled with the first token of its block.'
      : m.block === 1
        ? `One token in ${step} is labelled (tokens 0, ${step}, ${2 * step}, …).`
        : `One cell in ${step} is labelled, with the first token of its block.`;
  parts.push(`<text class="map-labelled" x="8" y="52">${labelled}</text>`);

  parts.push(`<image x="${left}" y="${top}" width="${plot}" height="${plot}" preserveAspectRatio="none" href="${cellsDataUrl(m.side, m.side, d.lut, d.indices)}"/>`);
  for (const c of ticks) {
    const at = (c + 0.5) * cell;
    parts.push(`<text class="tick-key" data-index="${c}" transform="translate(${left + at + 3},${top - 4}) rotate(-90)">${label(c)}</text>`);
    parts.push(`<text class="tick-query" data-index="${c}" x="${left - 4}" y="${top + at + 3}" text-anchor="end">${label(c)}</text>`);
  }

  const diverging = d.colourScale === 'diverging';
  const legendY = top + plot + 14;
  const legendX = left + 50;
  const legendW = 160;
  const lo = diverging ? (-d.max).toFixed(3) : '0';
  parts.push(legendMarkup('map-legend-gradient', legendX, legendY, legendW, diverging ? interpolateRdBu : interpolateBlues, lo, d.max.toFixed(3)));
  if (diverging) parts.push(`<text x="${legendX + legendW / 2}" y="${legendY + 22}" text-anchor="middle">0</text>`);
  const legendText = diverging
    ? `Colour: diverging ${d.scaleName} centred on 0 (red below 0, blue above)`
    : d.colourScale === 'magnitude'
      ? `Colour: ${d.scaleName} of magnitudes |weight| (the sign is not shown)`
      : `Colour: ${d.scaleName} of the weight`;
  parts.push(`<text class="map-legend" x="${left}" y="${legendY + 38}">${escapeXml(legendText)}</text>`);

  // svgDocument takes the page's text colour from a live element, so the empty SVG is mounted for a moment.
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(legendY + 48));
  live.after(svg);
  try {
    return svgDocument(svg, parts.join(''));
  } finally {
    svg.remove();
  }
}
