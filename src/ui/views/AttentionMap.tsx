/**
 * The attention map of one layer run and head: cells drawn on canvas from a precomputed colour
 * lookup table, token axes drawn in SVG with D3 scales, a crosshair and readout on hover. The map
 * comes from the worker at most MAP_MAX_SIDE cells a side (block means for longer texts, and the
 * legend says so). Maps with negative weights (implicit maps of attention-free mixers) are drawn
 * on a diverging scale centred on 0 by default, or as magnitudes on request. It is drawn from the
 * store outside React renders; the values drawn and their colours are also written to data
 * attributes, so tests read what is on screen, not pixels.
 */
import { axisLeft, axisTop } from 'd3-axis';
import { scaleBand } from 'd3-scale';
import { select } from 'd3-selection';
import { useEffect, useRef, useState } from 'react';
import { blockInfo, MAP_KINDS } from '../../spec/catalog';
import { mapSources } from '../../spec/mapSharing';
import { layerSchedule, runName } from '../../spec/schedule';
import type { AppState, MapView } from '../../state/store';
import { timelineSnapshot } from '../../state/training';
import { probePieces, snapshotMap } from '../train/timelineView';
import { openedResult } from '../../state/store';
import { useApp, useAppStore } from '../useApp';
import { everyKth, joinRows } from './chart';
import { drawnDataWanted } from './drawnData';
import { BLUES_GRADIENT, BLUES_LUT, colourIndex, colourRows, divergingIndex, hasNegative, paintCells, RDBU_GRADIENT, RDBU_LUT, type MapScale } from './colour';
import { ExportButtons } from './ExportButtons';
import { IndexPicker } from './IndexPicker';
import { mapSvg, type DrawnMap } from './mapExport';
import { showPiece } from './pieces';
import { WeightsBadge } from '../train/WeightsBadge';

const SIZE = 360; // plot side in CSS pixels
const MARGIN = { top: 34, left: 34 };

const SCALE_NAMES: Record<MapScale, string> = { sqrt: '√ scale', linear: 'linear scale', log: 'log scale (4 decades)' };

/** How a signed map is coloured: diverging around 0 (the default), or by |weight| alone. */
export type SignMode = 'diverging' | 'magnitude';

/** The map to draw: the timeline's snapshot's, or the store's map when it is the one selected and from the newest result. */
function shownMap(s: AppState): MapView | null {
  const snap = timelineSnapshot(s);
  if (snap) return snapshotMap(snap, s.view.layer, s.view.head);
  const m = s.map;
  return m && s.result && m.id === s.result.data.id && m.layer === s.view.layer && m.head === s.view.head ? m : null;
}

/** The map the legend describes: the timeline's snapshot's while it is set, else the store's newest. */
const mapOnScreen = (s: AppState): MapView | null => (timelineSnapshot(s) ? shownMap(s) : s.map);

/** The tokens the shown map is of: the page's text, or the training probe's at a step of the timeline. */
function shownPieces(s: AppState): string[] {
  const run = s.training.runs.a;
  return (timelineSnapshot(s) && run ? probePieces(run) : null) ?? s.result?.input.pieces ?? [];
}

/** Tokens [first, last] covered by cell `c` of a map with `block`-sized cells. */
const span = (m: MapView, c: number): [number, number] => [c * m.block, Math.min(m.T, (c + 1) * m.block) - 1];

/**
 * Draws the shown map on `canvas` with its axes in `svg` and its range in the legend; returns what
 * was drawn (for export), null when nothing is (or undefined when the old picture stays).
 */
function draw(s: AppState, scale: MapScale, sign: SignMode, canvas: HTMLCanvasElement, svg: SVGSVGElement, legend: { lo: HTMLElement; hi: HTMLElement }): DrawnMap | null | undefined {
  const m = shownMap(s);
  const g = canvas.getContext('2d');
  if (!g) return null;
  if (!m || !s.result) {
    if (!s.result) {
      g.clearRect(0, 0, canvas.width, canvas.height);
      select(svg).selectAll('*').remove();
      Object.assign(canvas.dataset, { rows: '0', values: '', colours: '', text: '', opened: '' });
      return null;
    }
    return undefined; // a new view's map is on its way: keep the old picture until it lands
  }
  const { side, values } = m;
  let max = 0; // largest |weight|: implicit maps of attention-free mixers can be signed
  for (const v of values) if (Math.abs(v) > max) max = Math.abs(v);
  const diverging = sign === 'diverging' && hasNegative(values);
  const lut = diverging ? RDBU_LUT : BLUES_LUT;
  const indices = diverging
    ? paintCells(canvas, { cols: side, rows: side, width: SIZE, height: SIZE }, lut, (k) => divergingIndex(values[k]! / (max || 1), scale))
    : paintCells(canvas, { cols: side, rows: side, width: SIZE, height: SIZE }, lut, (k) => colourIndex(Math.abs(values[k]!) / (max || 1), scale));

  // Axes: keys along the top, queries down the left; a block cell is labelled by its first token.
  const pieces = shownPieces(s);
  const x = scaleBand<number>().domain(Array.from({ length: side }, (_, i) => i)).range([0, SIZE]);
  const label = (c: number) => (m.block === 1 ? showPiece(pieces[c] ?? '') : String(c * m.block));
  const root = select(svg);
  root.selectAll('*').remove();
  root.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`).call(axisTop(x).tickValues(everyKth(side, 32)).tickFormat(label).tickSizeOuter(0));
  root.append('g').attr('transform', `translate(${MARGIN.left},${MARGIN.top})`).call(axisLeft(x).tickValues(everyKth(side, 32)).tickFormat(label).tickSizeOuter(0));

  // Every value and colour drawn, only when asked (tests; views/drawnData.ts): megabytes at 512 tokens.
  const drawn = drawnDataWanted() ? { values: joinRows(Array.from({ length: side }, (_, i) => values.subarray(i * side, (i + 1) * side))), colours: colourRows(side, side, lut, indices) } : { values: '', colours: '' };
  const colourScale = diverging ? 'diverging' : hasNegative(values) ? 'magnitude' : 'sequential';
  Object.assign(canvas.dataset, {
    layer: String(m.layer),
    head: String(m.head),
    rows: String(side),
    t: String(m.T),
    block: String(m.block),
    ...drawn,
    colourScale,
    max: String(max),
    resultId: String(m.id),
    opened: s.result.data.opened?.fileName ?? '',
    text: pieces.join(''),
    step: String(timelineSnapshot(s)?.step ?? ''),
  });
  const what = m.block === 1 ? `${m.T} queries by ${m.T} keys` : `${m.T} queries by ${m.T} keys in ${side} × ${side} cells, each the mean of a ${m.block} × ${m.block} block`;
  const step = timelineSnapshot(s)?.step;
  canvas.setAttribute('aria-label', `Attention map of layer ${m.layer}, head ${m.head}${step === undefined ? '' : ` at training step ${step} (the probe example)`}: ${what}, largest ${diverging ? '|weight|' : 'weight'} ${max.toFixed(3)}`);
  legend.lo.textContent = diverging ? (-max).toFixed(3) : '0';
  legend.hi.textContent = max.toFixed(3);
  return { map: m, pieces, model: s.result.data.opened?.fileName ?? s.result.spec.name, indices, lut, max, colourScale, scaleName: SCALE_NAMES[scale] };
}

export function AttentionMap() {
  const store = useAppStore();
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const svgRef = useRef<SVGSVGElement>(null);
  const loRef = useRef<HTMLSpanElement>(null);
  const hiRef = useRef<HTMLSpanElement>(null);
  const drawnRef = useRef<DrawnMap | null>(null);
  const readoutRef = useRef<HTMLParagraphElement>(null);
  const crossRef = useRef<HTMLDivElement>(null);
  const [scale, setScale] = useState<MapScale>('sqrt');
  const [sign, setSign] = useState<SignMode>('diverging');
  // An opened model's layers and heads are its result's; a playground model's, its spec's (layer runs, loops unrolled).
  const nLayers = useApp((s) => openedResult(s)?.data.nLayers ?? layerSchedule(s.spec).length);
  const nHeads = useApp((s) => openedResult(s)?.data.nHeads ?? s.spec.nHeads);
  const layerNames = useApp((s) => openedResult(s)?.data.opened?.layers.map((l, i) => `attention ${i} · ${l.softmax}`).join('\u0000') ?? '');
  const view = useApp((s) => s.view);
  const hasResult = useApp((s) => s.result !== null);
  // Primitives only: a selector that builds a new object on every call never settles (React #185).
  const mapT = useApp((s) => mapOnScreen(s)?.T ?? 0);
  const mapSide = useApp((s) => mapOnScreen(s)?.side ?? 0);
  const mapBlock = useApp((s) => mapOnScreen(s)?.block ?? 1);
  const signed = useApp((s) => {
    const m = mapOnScreen(s);
    return m ? hasNegative(m.values) : false;
  });
  const selectLayer = useApp((s) => s.selectLayer);
  const selectHead = useApp((s) => s.selectHead);
  const atStep = useApp((s) => timelineSnapshot(s)?.step ?? null);
  // Whether the map drawn is explicit or implicit, from the mixer of the layer shown.
  const mapKind = useApp((s) => {
    if (!s.result) return undefined;
    if (s.result.opened) return 'explicit'; // a tapped Softmax: the probabilities themselves
    const runs = layerSchedule(s.result.spec);
    const run = runs[Math.min(s.view.layer, runs.length - 1)]!;
    return blockInfo('mixer', s.result.spec.layers[run.layer]!.mixer.kind)?.map;
  });

  // A dropped mixer (He et al. 2024) adds nothing: its map is all zeros, and the badge says why.
  const mixerDropped = useApp((s) => {
    if (!s.result || s.result.opened) return false;
    const runs = layerSchedule(s.result.spec);
    return !!s.result.spec.layers[runs[Math.min(s.view.layer, runs.length - 1)]!.layer]!.drop?.mixer;
  });

  // EchoAtt: the layer run whose map the shown layer's mixer copies ("layer 0"), or null.
  const copiedFrom = useApp((s) => {
    if (!s.result || s.result.opened) return null;
    const runs = layerSchedule(s.result.spec);
    const r = Math.min(s.view.layer, runs.length - 1);
    const source = mapSources(s.result.spec)[r];
    return source === null || source === undefined ? null : runName(runs[source]!);
  });

  useEffect(() => {
    const redraw = (s: AppState) => {
      const drawn = draw(s, scale, sign, canvasRef.current!, svgRef.current!, { lo: loRef.current!, hi: hiRef.current! });
      if (drawn !== undefined) drawnRef.current = drawn;
    };
    redraw(store.getState());
    return store.subscribe((s, prev) => {
      if (s.result !== prev.result || s.view !== prev.view || s.map !== prev.map || timelineSnapshot(s) !== timelineSnapshot(prev)) redraw(s);
    });
  }, [store, scale, sign]);

  // Hover: move the crosshair and write the readout, without React renders (cheap per frame).
  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const s = store.getState();
    const m = shownMap(s);
    const out = readoutRef.current!;
    const cross = crossRef.current!;
    if (!m || !s.result) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const J = Math.floor(((e.clientX - rect.left) / rect.width) * m.side);
    const I = Math.floor(((e.clientY - rect.top) / rect.height) * m.side);
    if (I < 0 || J < 0 || I >= m.side || J >= m.side) return;
    const cell = SIZE / m.side;
    cross.style.display = 'block';
    cross.style.setProperty('--cx', `${(J + 0.5) * cell}px`);
    cross.style.setProperty('--cy', `${(I + 0.5) * cell}px`);
    const w = m.values[I * m.side + J]!;
    const p = shownPieces(s);
    if (m.block === 1) out.textContent = `query ${I} “${showPiece(p[I]!)}” → key ${J} “${showPiece(p[J]!)}”: ${w.toFixed(4)}`;
    else {
      const [q0, q1] = span(m, I);
      const [k0, k1] = span(m, J);
      out.textContent = `queries ${q0}–${q1} → keys ${k0}–${k1}: mean weight ${w.toPrecision(4)}`;
    }
    out.dataset['query'] = String(I);
    out.dataset['key'] = String(J);
    out.dataset['weight'] = String(w);
  };
  const onLeave = () => {
    crossRef.current!.style.display = 'none';
  };

  const exportSvg = () => (drawnRef.current && svgRef.current ? mapSvg(drawnRef.current, svgRef.current) : null);

  const scaleName = SCALE_NAMES[scale];
  const diverging = signed && sign === 'diverging';
  // What the legend says the map is: an attribution map is never "output = A · values".
  const signedNote = mapKind === 'explicit' ? 'output = A · values; weights can be negative and rows need not sum to 1' : MAP_KINDS[mapKind ?? 'implicit'].note;
  return (
    <section className="panel map-panel" aria-label="Attention map" style={{ width: SIZE + MARGIN.left + 36 }}>
      <div className="panel-head">
        <h2>Attention map</h2>
        <WeightsBadge />
        {mapKind ? (
          <span className="badge" data-testid="map-kind" data-kind={mapKind} title={MAP_KINDS[mapKind].title}>
            {MAP_KINDS[mapKind].label}
          </span>
        ) : null}
        {mixerDropped ? (
          <span className="badge" data-testid="map-dropped" title="This layer's token mixer is dropped: it adds nothing to the stream, so its map is all zeros">
            mixer dropped
          </span>
        ) : null}
        {copiedFrom ? (
          <span className="badge copied-badge" data-testid="map-copied-from" title="This layer computes no attention of its own: its mixer reuses the attention probabilities of an earlier layer (EchoAtt) with its own values">
            copied from {copiedFrom}
          </span>
        ) : null}
        {atStep !== null ? (
          <span className="badge timeline-badge" data-testid="map-timeline-step" title="The timeline shows the model as it was at this step of training, on the training probe example">
            at step {atStep}
          </span>
        ) : null}
        <IndexPicker label="Layer" count={nLayers} value={view.layer} onChange={selectLayer} testId="layer-select" names={layerNames ? layerNames.split('\u0000') : undefined} />
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
          onMouseLeave={onLeave}
        />
        <div ref={crossRef} className="crosshair" aria-hidden="true" style={{ left: MARGIN.left, top: MARGIN.top, width: SIZE, height: SIZE }} />
        {!hasResult ? <div className="map-empty" style={{ left: MARGIN.left, top: MARGIN.top, width: SIZE, height: SIZE }}>no map yet</div> : null}
      </div>
      <div className="legend">
        <span ref={loRef}>0</span>
        <span className="legend-bar" data-testid="map-legend-bar" data-scale={diverging ? 'diverging' : 'sequential'} style={{ background: diverging ? RDBU_GRADIENT : BLUES_GRADIENT }} />
        <span ref={hiRef}>1</span>
        <label className="scale-pick">
          colour
          <select value={scale} onChange={(e) => setScale(e.target.value as MapScale)} data-testid="map-scale" aria-label="Colour scale">
            <option value="sqrt">√ (default)</option>
            <option value="linear">linear</option>
            <option value="log">log</option>
          </select>
        </label>
        {signed ? (
          <label className="scale-pick">
            sign
            <select value={sign} onChange={(e) => setSign(e.target.value as SignMode)} data-testid="map-sign" aria-label="Colour of signed weights">
              <option value="diverging">diverging around 0 (default)</option>
              <option value="magnitude">magnitudes |weight|</option>
            </select>
          </label>
        ) : null}
        <ExportButtons name="attention-map" svg={exportSvg} />
        <span className="hint" data-testid="map-legend">
          {diverging
            ? `diverging ${scaleName} centred on 0: red below 0, white at 0, blue above · rows: queries · columns: keys · ${signedNote}`
            : signed
              ? `${scaleName} of magnitudes |weight| (the sign is not shown) · rows: queries · columns: keys · ${signedNote}`
              : mapKind && mapKind !== 'explicit'
                ? `${scaleName} · rows: queries · columns: keys · ${MAP_KINDS[mapKind].note}`
                : `${scaleName} · rows: queries · columns: keys · ${MAP_KINDS.explicit.note}`}
        </span>
        {mapBlock > 1 ? (
          <span className="hint" data-testid="map-downsampled">
            {mapT} tokens shown as {mapSide} × {mapSide} cells: each cell is the mean weight of a {mapBlock} × {mapBlock} block of queries and keys.
          </span>
        ) : null}
      </div>
      <p className="readout" ref={readoutRef} aria-live="off" data-testid="map-readout">
        Point at a cell to read its weight.
      </p>
    </section>
  );
}
