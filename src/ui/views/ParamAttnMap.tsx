/**
 * TokenFormer's token–parameter attention: for one layer run, the weights Θ each token puts on each
 * parameter token in one of the mixer's four Pattention layers (q, k, v or o, picked here), as a
 * tokens × parameter tokens heatmap (rows: tokens, columns: parameter tokens). Θ is signed (GELU
 * dips below 0) and not normalised to sum 1, so the colours diverge around 0 (red below, blue
 * above), scaled to the largest |Θ| of the projection shown. It shows the selected layer run, or
 * the nearest one with a TokenFormer mixer, and renders nothing for a model without one. The
 * weights drawn are written to data-values, one row per token.
 */
import { axisLeft, axisTop } from 'd3-axis';
import { scaleBand } from 'd3-scale';
import { interpolateRdBu } from 'd3-scale-chromatic';
import { select } from 'd3-selection';
import { useEffect, useRef, useState } from 'react';
import { nearestFlagged } from '../../analysis/router';
import type { AppState } from '../../state/store';
import { useApp, useDeferredResult } from '../useApp';
import { chartDocument, everyKth, joinRows, legendMarkup } from './chart';
import { divergingIndex, paintCells, RDBU_LUT } from './colour';
import { ExportButtons } from './ExportButtons';
import { showPiece } from './pieces';

type Result = NonNullable<AppState['result']>;

/** The mixer's Pattention layers, in the probe's order (src/blocks/tokenformer.ts). */
const PROJECTIONS = ['q', 'k', 'v', 'o'] as const;
const PROJECTION_NAMES = ['queries (q)', 'keys (k)', 'values (v)', 'output (o)'];

const WIDTH = 360;
const MARGIN = { top: 30, left: 64 };

function drawParamAttn(canvas: HTMLCanvasElement, svg: SVGSVGElement, result: Result, run: number, projection: number, height: number) {
  const entry = result.data.paramAttn?.[run];
  if (!entry) return;
  const { T } = result.data;
  const P = entry.tokens;
  const w = entry.weights.subarray(projection * T * P, (projection + 1) * T * P); // [T, P]
  let max = 0;
  for (const v of w) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max : 1;
  // One cell per (token, parameter token): y is the token, x the parameter token.
  paintCells(canvas, { cols: P, rows: T, width: WIDTH, height }, RDBU_LUT, (k) => divergingIndex(w[k]! / scale, 'linear'));

  const pieces = result.input.pieces;
  const x = scaleBand<number>().domain(Array.from({ length: P }, (_, i) => i)).range([0, WIDTH]);
  const y = scaleBand<number>().domain(Array.from({ length: T }, (_, i) => i)).range([0, height]);
  const root = select(svg);
  root.selectAll('*').remove();
  const plot = root.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`);
  plot.append('g').call(axisTop(x).tickValues(everyKth(P, 16)).tickSizeOuter(0));
  plot.append('g').call(axisLeft(y).tickValues(everyKth(T, 32)).tickFormat((i) => showPiece(pieces[i] ?? '')).tickSizeOuter(0));
  plot.append('g').attr('class', 'legend-svg').html(legendMarkup('param-attn-gradient', 30, height + 12, 120, interpolateRdBu, (-scale).toPrecision(2), scale.toPrecision(2)));

  const rows = Array.from({ length: T }, (_, t) => w.subarray(t * P, (t + 1) * P));
  Object.assign(svg.dataset, { run: String(run), projection: PROJECTIONS[projection]!, tokens: String(T), parameterTokens: String(P), values: joinRows(rows) });
  canvas.setAttribute('aria-label', `Token–parameter weights of layer run ${run}, ${PROJECTION_NAMES[projection]}: ${T} tokens by ${P} parameter tokens`);
}

export function ParamAttnMap() {
  const result = useDeferredResult();
  const layer = useApp((s) => s.view.layer);
  const [projection, setProjection] = useState(0);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const readoutRef = useRef<HTMLParagraphElement>(null);
  const flags = result?.data.paramAttn ? result.data.paramAttn.map((r) => r !== null) : [];
  const run = flags.length ? nearestFlagged(flags, layer) : null;
  const T = result?.data.T ?? 0;
  const height = Math.max(120, Math.min(360, T * 12));
  useEffect(() => {
    if (result && run !== null) drawParamAttn(canvasRef.current!, svgRef.current!, result, run, projection, height);
  }, [result, run, projection, height]);
  if (!result || run === null) return null;

  const P = result.data.paramAttn![run]!.tokens;
  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const p = Math.floor(((e.clientX - rect.left) / rect.width) * P);
    const t = Math.floor(((e.clientY - rect.top) / rect.height) * T);
    const v = result.data.paramAttn?.[run]?.weights[(projection * T + t) * P + p];
    if (v === undefined || t < 0 || p < 0 || t >= T || p >= P) return;
    readoutRef.current!.textContent = `token ${t} “${showPiece(result.input.pieces[t] ?? '')}” → parameter token ${p} (${PROJECTIONS[projection]}): ${v.toFixed(4)}`;
  };
  const exportSvg = () => {
    const canvas = canvasRef.current;
    if (!canvas) return null;
    return chartDocument(svgRef.current, `<image x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH}" height="${height}" preserveAspectRatio="none" href="${canvas.toDataURL('image/png')}"/>`);
  };
  return (
    <section className="panel" aria-label="Tokens × parameter tokens">
      <div className="panel-head">
        <h2 data-testid="param-attn-title">
          Tokens × parameter tokens <span className="unit">layer {run}</span>
        </h2>
        <label className="scale-pick">
          projection
          <select value={projection} onChange={(e) => setProjection(Number(e.target.value))} data-testid="param-attn-projection" aria-label="Pattention layer shown">
            {PROJECTION_NAMES.map((name, i) => (
              <option key={name} value={i}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <ExportButtons name="param-attn" svg={exportSvg} />
      </div>
      {run !== layer ? (
        <p className="hint" data-testid="param-attn-note">
          Layer run {layer} has no TokenFormer mixer; showing the nearest one that has, layer run {run}.
        </p>
      ) : null}
      <div className="map-wrap" style={{ width: WIDTH + MARGIN.left + 4, height: height + MARGIN.top + 34 }}>
        <svg ref={svgRef} className="map-axes" width={WIDTH + MARGIN.left + 4} height={height + MARGIN.top + 34} aria-hidden="true" data-testid="param-attn-map" />
        <canvas ref={canvasRef} className="map-canvas" role="img" style={{ left: MARGIN.left, top: MARGIN.top, width: WIDTH, height }} onMouseMove={onMove} />
      </div>
      <p className="hint" data-testid="param-attn-legend">
        rows: tokens · columns: parameter tokens ({P}) · each cell is the weight Θ = GELU(√P · score / ‖scores‖) the token puts on a parameter token's value in the
        mixer's {PROJECTION_NAMES[projection]} projection; diverging colours around 0 (GELU dips below 0), rows need not sum to 1.
      </p>
      <p className="readout" ref={readoutRef} data-testid="param-attn-readout">
        Point at a cell to read its weight.
      </p>
    </section>
  );
}
