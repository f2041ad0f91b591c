/**
 * Mixture-of-experts routing: for one layer run, each token's router probabilities over the
 * experts as a token × expert heatmap (canvas cells, D3 axes, cividis: probability 0 to 1). It
 * shows the selected layer run, or the nearest one with a router when the selected one has none,
 * and renders nothing for a model without MoE layers. The probabilities drawn are written to
 * data-values, one row per token.
 */
import { axisLeft, axisTop } from 'd3-axis';
import { scaleBand } from 'd3-scale';
import { interpolateCividis } from 'd3-scale-chromatic';
import { select } from 'd3-selection';
import { useEffect, useRef } from 'react';
import { nearestFlagged } from '../../analysis/router';
import type { AppState } from '../../state/store';
import { useApp, useDeferredResult } from '../useApp';
import { chartDocument, everyKth, joinRows, legendMarkup } from './chart';
import { colourTable, paintCells } from './colour';
import { ExportButtons } from './ExportButtons';
import { showPiece } from './pieces';

type Result = NonNullable<AppState['result']>;

const WIDTH = 360;
const ROW = 22;
const MARGIN = { top: 30, left: 64 };
const CIVIDIS = colourTable(interpolateCividis);

function drawRouter(canvas: HTMLCanvasElement, svg: SVGSVGElement, result: Result, run: number) {
  const router = result.data.router[run];
  const g = canvas.getContext('2d');
  if (!router || !g) return;
  const { T } = result.data;
  const E = router.experts;
  const { probs } = router;
  // One cell per (token, expert): x is the token, y the expert.
  paintCells(canvas, { cols: T, rows: E, width: WIDTH, height: E * ROW }, CIVIDIS, (k) => Math.round(Math.min(1, Math.max(0, probs[(k % T) * E + Math.floor(k / T)]!)) * 255));

  const pieces = result.input.pieces;
  const x = scaleBand<number>().domain(Array.from({ length: T }, (_, i) => i)).range([0, WIDTH]);
  const y = scaleBand<number>().domain(Array.from({ length: E }, (_, i) => i)).range([0, E * ROW]);
  const root = select(svg);
  root.selectAll('*').remove();
  const plot = root.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
  plot.append('g').call(axisTop(x).tickValues(everyKth(T, 32)).tickFormat((i) => showPiece(pieces[i] ?? '')).tickSizeOuter(0));
  plot.append('g').call(axisLeft(y).tickFormat((e) => `expert ${e}`).tickSizeOuter(0));
  plot.append('g').attr('class', 'legend-svg').html(legendMarkup('router-gradient', 30, E * ROW + 12, 120, interpolateCividis, '0', '1'));

  const rows = Array.from({ length: T }, (_, t) => probs.subarray(t * E, (t + 1) * E));
  Object.assign(svg.dataset, { run: String(run), experts: String(E), tokens: String(T), values: joinRows(rows) });
  canvas.setAttribute('aria-label', `Router probabilities of layer run ${run}: ${T} tokens by ${E} experts`);
}

export function RouterMap() {
  const result = useDeferredResult();
  const layer = useApp((s) => s.view.layer);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const readoutRef = useRef<HTMLParagraphElement>(null);
  const flags = result ? result.data.router.map((r) => r !== null) : [];
  const run = nearestFlagged(flags, layer);
  useEffect(() => {
    if (result && run !== null) drawRouter(canvasRef.current!, svgRef.current!, result, run);
  }, [result, run]);
  if (!result || run === null) return null;

  const E = result.data.router[run]!.experts;
  const height = E * ROW;
  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const t = Math.floor(((e.clientX - rect.left) / rect.width) * result.data.T);
    const k = Math.floor(((e.clientY - rect.top) / rect.height) * E);
    const p = result.data.router[run]?.probs[t * E + k];
    if (p === undefined || t < 0 || k < 0 || k >= E) return;
    readoutRef.current!.textContent = `token ${t} “${showPiece(result.input.pieces[t] ?? '')}” → expert ${k}: ${p.toFixed(4)}`;
  };
  const exportSvg = () => {
    const canvas = canvasRef.current;
    if (!canvas) return null;
    return chartDocument(svgRef.current, `<image x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH}" height="${height}" preserveAspectRatio="none" href="${canvas.toDataURL('image/png')}"/>`);
  };
  const others = flags.filter(Boolean).length;
  return (
    <section className="panel" aria-label="Router">
      <div className="panel-head">
        <h2>
          Router <span className="unit">layer {run}</span>
        </h2>
        <ExportButtons name="router" svg={exportSvg} />
      </div>
      {run !== layer ? (
        <p className="hint" data-testid="router-note">
          Layer run {layer} has no mixture-of-experts layer; showing the nearest one that has, layer run {run}.
        </p>
      ) : null}
      <div className="map-wrap" style={{ width: WIDTH + MARGIN.left + 4, height: height + MARGIN.top + 34 }}>
        <svg ref={svgRef} className="map-axes" width={WIDTH + MARGIN.left + 4} height={height + MARGIN.top + 34} aria-hidden="true" data-testid="router-map" />
        <canvas
          ref={canvasRef}
          className="map-canvas"
          role="img"
          style={{ left: MARGIN.left, top: MARGIN.top, width: WIDTH, height }}
          onMouseMove={onMove}
        />
      </div>
      <p className="hint">
        Each column is one token; its cells are the router's probabilities over the {E} experts (colour: 0 to 1) and sum to 1. The layer sends the token to the
        experts with the largest ones. {others > 1 ? `${others} layer runs have a router; pick another layer to see it.` : ''}
      </p>
      <p className="readout" ref={readoutRef} data-testid="router-readout">
        Point at a cell to read its probability.
      </p>
    </section>
  );
}
