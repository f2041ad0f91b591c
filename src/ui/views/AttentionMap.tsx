/**
 * The attention map of one layer and head: cells drawn on canvas from a colour lookup table, axes
 * drawn in SVG with D3 scales. The map is drawn from the store outside React renders; the values
 * drawn are also written to data attributes so tests read what is on screen, not pixels.
 */
import { axisLeft, axisTop } from 'd3-axis';
import { scaleBand } from 'd3-scale';
import { select } from 'd3-selection';
import { useEffect, useRef } from 'react';
import { blockInfo } from '../../spec/catalog';
import { layerSchedule } from '../../spec/schedule';
import type { AppState } from '../../state/store';
import { useApp, useAppStore } from '../useApp';
import { BLUES_GRADIENT, BLUES_LUT } from './colour';
import { IndexPicker } from './IndexPicker';
import { showPiece } from './pieces';

const SIZE = 360; // plot side in CSS pixels
const MARGIN = { top: 34, left: 34 };

/** Tick indices: all of them for short texts, every k-th for long ones. */
function tickIndices(T: number): number[] {
  const step = Math.max(1, Math.ceil(T / 32));
  return Array.from({ length: T }, (_, i) => i).filter((i) => i % step === 0);
}

function draw(s: AppState, canvas: HTMLCanvasElement, svg: SVGSVGElement, legendMax: HTMLElement) {
  const r = s.result;
  const layer = Math.min(s.view.layer, (r?.data.nLayers ?? 1) - 1);
  const head = Math.min(s.view.head, (r?.data.nHeads ?? 1) - 1);
  const g = canvas.getContext('2d');
  if (!g) return;
  if (!r) {
    g.clearRect(0, 0, canvas.width, canvas.height);
    select(svg).selectAll('*').remove();
    canvas.dataset['rows'] = '0';
    canvas.dataset['values'] = '';
    canvas.dataset['text'] = '';
    return;
  }
  const { T } = r.data;
  const map = r.data.probs[layer]!.subarray(head * T * T, (head + 1) * T * T);
  let max = 0; // largest |weight|: implicit maps of attention-free mixers can be signed
  for (const v of map) if (Math.abs(v) > max) max = Math.abs(v);

  // Cells: one pixel per cell in an offscreen image, scaled up without smoothing. Colour follows
  // √(w / max): a causal map's first row is always 1, and a linear scale would wash out the rest.
  const img = new ImageData(T, T);
  for (let k = 0; k < T * T; k++) {
    const c = Math.round(Math.sqrt(Math.abs(map[k]!) / (max || 1)) * 255) * 3;
    img.data[k * 4] = BLUES_LUT[c]!;
    img.data[k * 4 + 1] = BLUES_LUT[c + 1]!;
    img.data[k * 4 + 2] = BLUES_LUT[c + 2]!;
    img.data[k * 4 + 3] = 255;
  }
  const off = new OffscreenCanvas(T, T);
  off.getContext('2d')!.putImageData(img, 0, 0);
  const dpr = globalThis.devicePixelRatio || 1;
  canvas.width = Math.round(SIZE * dpr);
  canvas.height = Math.round(SIZE * dpr);
  g.imageSmoothingEnabled = false;
  g.drawImage(off, 0, 0, canvas.width, canvas.height);

  // Axes: keys along the top, queries down the left.
  const pieces = r.input.pieces;
  const x = scaleBand<number>().domain(Array.from({ length: T }, (_, i) => i)).range([0, SIZE]);
  const label = (i: number) => showPiece(pieces[i] ?? '');
  const root = select(svg);
  root.selectAll('*').remove();
  root
    .append('g')
    .attr('transform', `translate(${MARGIN.left},${MARGIN.top})`)
    .call(axisTop(x).tickValues(tickIndices(T)).tickFormat(label).tickSizeOuter(0));
  root
    .append('g')
    .attr('transform', `translate(${MARGIN.left},${MARGIN.top})`)
    .call(axisLeft(x).tickValues(tickIndices(T)).tickFormat(label).tickSizeOuter(0));

  const rows: string[] = [];
  for (let i = 0; i < T; i++) rows.push(Array.from(map.subarray(i * T, (i + 1) * T), (v) => v.toPrecision(7)).join(','));
  Object.assign(canvas.dataset, { layer: String(layer), head: String(head), rows: String(T), values: rows.join(';'), resultId: String(r.data.id), text: pieces.join('') });
  canvas.setAttribute('aria-label', `Attention map of layer ${layer}, head ${head}: ${T} queries by ${T} keys, largest weight ${max.toFixed(3)}`);
  legendMax.textContent = max.toFixed(3);
}

export function AttentionMap() {
  const store = useAppStore();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const legendRef = useRef<HTMLSpanElement>(null);
  const readoutRef = useRef<HTMLParagraphElement>(null);
  const nLayers = useApp((s) => layerSchedule(s.spec).length); // layer runs, loops unrolled
  const nHeads = useApp((s) => s.spec.nHeads);
  const view = useApp((s) => s.view);
  const hasResult = useApp((s) => s.result !== null);
  const selectLayer = useApp((s) => s.selectLayer);
  const selectHead = useApp((s) => s.selectHead);
  // Whether the map drawn is explicit or implicit, from the mixer of the layer shown.
  const mapKind = useApp((s) => {
    if (!s.result) return undefined;
    const runs = layerSchedule(s.result.spec);
    const run = runs[Math.min(s.view.layer, runs.length - 1)]!;
    return blockInfo('mixer', s.result.spec.layers[run.layer]!.mixer.kind)?.map;
  });

  useEffect(() => {
    const redraw = (s: AppState) => draw(s, canvasRef.current!, svgRef.current!, legendRef.current!);
    redraw(store.getState());
    return store.subscribe((s, prev) => {
      if (s.result !== prev.result || s.view !== prev.view) redraw(s);
    });
  }, [store]);

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = store.getState().result;
    const out = readoutRef.current!;
    if (!r) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const T = r.data.T;
    const j = Math.floor(((e.clientX - rect.left) / rect.width) * T);
    const i = Math.floor(((e.clientY - rect.top) / rect.height) * T);
    if (i < 0 || j < 0 || i >= T || j >= T) return;
    const { layer, head } = store.getState().view;
    const w = r.data.probs[Math.min(layer, r.data.nLayers - 1)]![(head * T + i) * T + j]!;
    out.textContent = `query ${i} “${showPiece(r.input.pieces[i]!)}” → key ${j} “${showPiece(r.input.pieces[j]!)}”: ${w.toFixed(4)}`;
  };

  return (
    <section className="panel map-panel" aria-label="Attention map" style={{ width: SIZE + MARGIN.left + 36 }}>
      <div className="panel-head">
        <h2>Attention map</h2>
        {mapKind ? (
          <span className="badge" data-testid="map-kind" title={mapKind === 'explicit' ? 'Computed directly by the mixer (inspect path)' : 'The exact map implied by an attention-free mixer (inspect path)'}>
            {mapKind}
          </span>
        ) : null}
        <IndexPicker label="Layer" count={nLayers} value={view.layer} onChange={selectLayer} testId="layer-select" />
        <IndexPicker label="Head" count={nHeads} value={view.head} onChange={selectHead} testId="head-select" />
      </div>
      <div className="map-wrap" style={{ width: SIZE + MARGIN.left + 4, height: SIZE + MARGIN.top + 4 }}>
        <svg ref={svgRef} className="map-axes" width={SIZE + MARGIN.left + 4} height={SIZE + MARGIN.top + 4} aria-hidden="true" />
        <canvas
          ref={canvasRef}
          className="map-canvas"
          data-testid="attention-map"
          role="img"
          style={{ left: MARGIN.left, top: MARGIN.top, width: SIZE, height: SIZE }}
          onMouseMove={onMove}
        />
        {!hasResult ? <div className="map-empty" style={{ left: MARGIN.left, top: MARGIN.top, width: SIZE, height: SIZE }}>no map yet</div> : null}
      </div>
      <div className="legend">
        <span>0</span>
        <span className="legend-bar" style={{ background: BLUES_GRADIENT }} />
        <span ref={legendRef}>1</span>
        <span className="hint" data-testid="map-legend">
          {mapKind === 'implicit'
            ? '√ scale of |weight| · rows: queries · columns: keys · implicit map: output = A · values; weights can be negative and rows need not sum to 1'
            : '√ scale · rows: queries · columns: keys · each row sums to 1'}
        </span>
      </div>
      <p className="readout" ref={readoutRef} aria-live="off">Point at a cell to read its weight.</p>
    </section>
  );
}
