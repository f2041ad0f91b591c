/**
 * Compare mode: model A (the one in the editor) and model B on the same text, side by side, at the
 * same layer run and head (one selection drives both), with the difference B − A of the maps,
 * each head's entropy for A and B, and the latency ratio B / A. B is a preset or a snapshot of A
 * taken before editing A further, or an ONNX file opened as B; A is the model in the editor or an
 * opened model (so two opened models, or an opened model and a playground model, compare). "Swap"
 * makes B the edited model (playground models only). The difference map needs both maps over the
 * same positions (the same T).
 */
import { interpolatePuOr } from 'd3-scale-chromatic';
import { useEffect, useMemo, useRef } from 'react';
import { mapDifference, type CellMap } from '../../analysis/diff';
import { headEntropies } from '../../analysis/entropy';
import { ratioInterval, spreadOf } from '../../analysis/spread';
import { PRESETS, findPreset } from '../../presets';
import type { AppState, MapView, ShownResult } from '../../state/store';
import { COMPARE_ROUNDS, type LatencyFigure } from '../../state/latency';
import type { RatioInterval } from '../../analysis/spread';
import { useApp, useAppStore } from '../useApp';
import { BLUES_LUT, colourIndex, colourRows, colourTable, gradientOf, paintCells } from '../views/colour';
import { joinRows } from '../views/chart';
import { drawnDataWanted } from '../views/drawnData';
import { ExportButtons } from '../views/ExportButtons';
import { WeightsBadge } from '../train/WeightsBadge';
import { formatMs, spreadData, spreadText } from '../views/LatencyLabels';
import { useOpenFile } from '../opened/useOpenFile';
import { TOKENIZERS } from '../opened/describe';
import { needsText } from '../../opened/inputs';
import type { TokenizerKind } from '../../opened/tokenizers';

const SIDE = 220; // CSS pixels per map

/**
 * A diverging, colour-blind-safe lookup over [−1, 1]: d3's PuOr runs from purple (t = 0) to orange
 * (t = 1), so B − A < 0 (B puts less weight) is purple and B − A > 0 (more) is orange.
 */
const PUOR_LUT = colourTable(interpolatePuOr);
const PUOR_GRADIENT = gradientOf(interpolatePuOr);

/** Draws `map` on `canvas` and writes its values and their colours ("rrggbb") to data attributes. */
function paint(canvas: HTMLCanvasElement, map: CellMap, lut: Uint8ClampedArray, colour: (v: number) => number) {
  const { side, values } = map;
  const indices = paintCells(canvas, { cols: side, rows: side, width: SIDE, height: SIDE }, lut, (k) => colour(values[k]!));
  canvas.dataset['rows'] = String(side);
  if (!drawnDataWanted()) return; // every value and colour, for tests only (views/drawnData.ts)
  canvas.dataset['values'] = joinRows(Array.from({ length: side }, (_, i) => values.subarray(i * side, (i + 1) * side)));
  canvas.dataset['colours'] = colourRows(side, side, lut, indices);
}

/** The map of a slot when it is the selected view of that slot's newest result. */
const current = (r: ShownResult | null, m: MapView | null, view: AppState['view']): MapView | null =>
  r && m && m.id === r.data.id && m.layer === view.layer && m.head === view.head ? m : null;

function MapCanvas({ map, kind, label, testId }: { map: CellMap | null; kind: 'weights' | 'difference'; label: string; testId: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const max = useMemo(() => {
    if (!map) return 0;
    let m = 0;
    for (const v of map.values) m = Math.max(m, Math.abs(v));
    return m;
  }, [map]);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    if (!map) {
      canvas.getContext('2d')?.clearRect(0, 0, canvas.width, canvas.height);
      canvas.dataset['rows'] = '0';
      canvas.dataset['values'] = '';
      return;
    }
    if (kind === 'weights') paint(canvas, map, BLUES_LUT, (v) => colourIndex(Math.abs(v) / (max || 1), 'sqrt'));
    else paint(canvas, map, PUOR_LUT, (v) => Math.round(((v / (max || 1) + 1) / 2) * 255));
  }, [map, kind, max]);
  return (
    <figure className="compare-map">
      <canvas ref={ref} role="img" aria-label={`${label}${map ? `, largest |value| ${max.toFixed(3)}` : ': waiting'}`} data-testid={testId} data-max={max} style={{ width: SIDE, height: SIDE }} />
      <figcaption>
        {label} {map ? <span className="hint">max |·| {max.toFixed(3)}</span> : <span className="hint">waiting…</span>}
      </figcaption>
    </figure>
  );
}

function EntropyCompare({ a, b, layer }: { a: ShownResult | null; b: ShownResult | null; layer: number }) {
  const rows = (r: ShownResult | null) => (r && layer < r.data.nLayers ? headEntropies(r.data.entropy[layer]!, r.data.support[layer]!, r.data.nHeads, r.data.T) : []);
  const ea = rows(a);
  const eb = rows(b);
  const heads = Math.max(ea.length, eb.length);
  if (!heads) return null;
  const pct = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : `${(v * 100).toFixed(0)}%`);
  return (
    <table className="compare-entropy" data-testid="compare-entropy" aria-label={`Mean entropy per head of layer run ${layer}, as a share of uniform`}>
      <thead>
        <tr>
          <th scope="col">head</th>
          <th scope="col">A</th>
          <th scope="col">B</th>
          <th scope="col">A and B</th>
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: heads }, (_, h) => (
          <tr key={h} data-head={h} data-a={ea[h]?.meanFraction ?? ''} data-b={eb[h]?.meanFraction ?? ''}>
            <th scope="row">{h}</th>
            <td>{pct(ea[h]?.meanFraction)}</td>
            <td>{pct(eb[h]?.meanFraction)}</td>
            <td className="overlay" aria-hidden="true">
              <span className="bar-a" style={{ width: `${(ea[h]?.meanFraction || 0) * 100}%` }} />
              <span className="bar-b" style={{ width: `${(eb[h]?.meanFraction || 0) * 100}%` }} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One side's fast latency: its median and the spread of its runs. */
function SideLatency({ name, figure }: { name: string; figure: LatencyFigure | null }) {
  const s = figure ? spreadOf(figure.samplesMs) : null;
  return (
    <span data-testid={`compare-latency-${name.toLowerCase()}`} {...spreadData(figure?.samplesMs)}>
      {name} {figure ? formatMs(figure.medianMs) : '… ms'}
      {s ? <span className="hint"> ({spreadText(s)})</span> : null}
    </span>
  );
}

/**
 * B / A of the fast latencies with its interval: the ratio when each side moves within the middle
 * half of its runs (src/analysis/spread.ts). "Within noise" when that interval holds 1. A and B are
 * timed in alternate rounds, so a slow moment of the machine reaches both.
 */
function LatencyRatio({ a, b, ratio }: { a: LatencyFigure | null; b: LatencyFigure | null; ratio: RatioInterval | null }) {
  const rounds = useApp((s) => s.latency.compareRounds);
  return (
    <p className="latency-ratio" data-testid="compare-latency" data-ratio={ratio?.ratio ?? ''} data-lo={ratio?.lo ?? ''} data-hi={ratio?.hi ?? ''} data-within-noise={ratio ? String(ratio.withinNoise) : ''} data-rounds={rounds}>
      Latency (fast path, median of runs timed in alternate rounds{rounds < COMPARE_ROUNDS ? `, round ${rounds + 1} of ${COMPARE_ROUNDS}` : ''}):
      <br />
      <SideLatency name="A" figure={a} />
      <br />
      <SideLatency name="B" figure={b} />
      <br />
      <strong>B / A = {ratio ? ratio.ratio.toFixed(2) : '…'}</strong>
      {ratio ? (
        <>
          {' '}
          (interval {ratio.lo.toFixed(2)}–{ratio.hi.toFixed(2)}){' '}
          <span data-testid="compare-latency-verdict">{ratio.withinNoise ? '· within noise: the runs do not tell A and B apart' : `· B is ${ratio.ratio > 1 ? 'slower' : 'faster'} beyond the spread of the runs`}</span>
        </>
      ) : null}
    </p>
  );
}

/** The compare-mode panel: choose B, and see A, B and B − A. */
export function ComparePanel() {
  const store = useAppStore();
  const compare = useApp((s) => s.compare);
  const view = useApp((s) => s.view);
  const result = useApp((s) => s.result);
  const fastA = useApp((s) => s.latency.fast);
  const fastB = useApp((s) => s.latency.fastB);
  const mapA = useApp((s) => current(s.result, s.map, s.view));
  const mapB = useApp((s) => (s.compare ? current(s.compare.resultB, s.compare.mapB, s.view) : null));
  const diff = useMemo(() => (mapA && mapB ? mapDifference(mapA, mapB) : null), [mapA, mapB]);
  const diffMap: CellMap | null = diff && 'values' in diff && mapA ? { ...mapA, values: diff.values } : null;
  const sectionRef = useRef<HTMLElement>(null);
  const openedA = useApp((s) => s.opened.a?.info.fileName ?? null);
  const openedB = useApp((s) => (s.compare ? (s.opened.b?.info.fileName ?? null) : null));
  const tokenizerB = useApp((s) => (s.compare && s.opened.b && needsText(s.opened.b.info) ? s.opened.b.tokenizer : null));
  const setOpenedFeed = useApp((s) => s.setOpenedFeed);
  const fileRef = useRef<HTMLInputElement>(null);
  const { open: openB, reading, error: openError, dismiss: dismissOpenError } = useOpenFile('b');

  const choose = (value: string) => {
    const s = store.getState();
    if (value === '') {
      if (s.opened.b) s.closeModel('b');
      else s.stopCompare();
    }
    else if (value === 'snapshot') s.setCompareModel(structuredClone(s.spec), `a snapshot of “${s.spec.name}”`);
    else {
      const preset = findPreset(value);
      if (preset) s.setCompareModel(preset.spec(), `the preset “${preset.title}”`);
    }
  };
  const swap = () => {
    const s = store.getState();
    if (!s.compare) return;
    const oldA = s.spec;
    const r = s.edit({ type: 'replace', spec: s.compare.specB, what: `Swapped: A is now ${s.compare.label}.` });
    if (r.ok) s.setCompareModel(oldA, `the previous model A (“${oldA.name}”)`);
  };

  const figA = fastA && fastA.id === result?.data.id ? fastA : null;
  const figB = fastB && fastB.id === compare?.resultB?.data.id ? fastB : null;
  const ratio = figA && figB ? ratioInterval(figA.samplesMs, figB.samplesMs) : null;
  const bMissing = compare?.resultB && view.layer >= compare.resultB.data.nLayers ? `B has ${compare.resultB.data.nLayers} layer runs: there is no layer run ${view.layer} to compare.` : null;
  /** The three maps with their captions as one SVG document (the canvases embedded as PNG images). */
  const exportSvg = (): string | null => {
    const canvases = Array.from(sectionRef.current?.querySelectorAll<HTMLCanvasElement>('.compare-map canvas') ?? []);
    if (canvases.length !== 3 || canvases.some((c) => !c.dataset['rows'] || c.dataset['rows'] === '0')) return null;
    const labels = ['A', 'B', 'B − A'];
    const gap = 16;
    const parts = canvases.map((c, i) => {
      const x = i * (SIDE + gap);
      return `<text x="${x + SIDE / 2}" y="14" text-anchor="middle" font-family="sans-serif" font-size="12">${labels[i]}</text><image x="${x}" y="20" width="${SIDE}" height="${SIDE}" preserveAspectRatio="none" href="${c.toDataURL('image/png')}"/>`;
    });
    const width = 3 * SIDE + 2 * gap;
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${SIDE + 24}" viewBox="0 0 ${width} ${SIDE + 24}">${parts.join('')}</svg>`;
  };

  return (
    <section ref={sectionRef} className="panel compare" aria-label="Compare" data-testid="compare">
      <div className="panel-head">
        <h2>Compare</h2>
        <label>
          B:{' '}
          <select value={compare ? '__current' : ''} onChange={(e) => choose(e.target.value)} data-testid="compare-select" aria-label="Model B">
            <option value="">off</option>
            {compare ? <option value="__current">{compare.label}</option> : null}
            <option value="snapshot">a snapshot of the current model</option>
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                preset: {p.title}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => fileRef.current?.click()} disabled={reading !== null} data-testid="compare-open" title="Open an ONNX model from this computer as B">
          Open a file as B…
        </button>
        <input
          ref={fileRef}
          type="file"
          accept=".onnx"
          hidden
          data-testid="compare-open-input"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) openB(file);
          }}
        />
        {compare && !openedA && !openedB ? (
          <button type="button" onClick={swap} data-testid="compare-swap">
            Swap A and B
          </button>
        ) : null}
      </div>
      {reading ? (
        <p className="hint" role="status" data-testid="compare-open-reading">
          {reading}
        </p>
      ) : null}
      {openError ? (
        <p className="notice" role="alert" data-testid="compare-open-error">
          {openError}{' '}
          <button type="button" className="small-button" onClick={dismissOpenError} aria-label="Dismiss">
            ×
          </button>
        </p>
      ) : null}
      {!compare ? (
        <p className="hint">Compare the model in the editor (A) with a preset, a snapshot or an ONNX file (B) on the same text. Take a snapshot, then edit A to see what the edit changes.</p>
      ) : (
        <>
          <p className="hint" data-testid="compare-what">
            A: {openedA ? `the opened model “${openedA}”` : `the model in the editor (“${result?.spec.name ?? '…'}”)`}. B: {openedB ? `the opened model “${openedB}”` : compare.label}. Layer run {view.layer}, head {view.head} for both: choose them above the attention map.
            {' '}
            <WeightsBadge slot="b" />
            {compare.run.phase === 'failed' ? <span className="field-error"> B could not run: {compare.run.message}</span> : null}
          </p>
          {tokenizerB ? (
            <label className="hint">
              B's tokenizer{' '}
              <select value={tokenizerB} onChange={(e) => setOpenedFeed('b', { tokenizer: e.target.value as TokenizerKind })} data-testid="compare-b-tokenizer" aria-label="Tokenizer of model B">
                {(Object.keys(TOKENIZERS) as TokenizerKind[]).map((k) => (
                  <option key={k} value={k}>{TOKENIZERS[k]}</option>
                ))}
              </select>
            </label>
          ) : null}
          {bMissing ? <p className="notice">{bMissing}</p> : null}
          <div className="compare-maps">
            <MapCanvas map={mapA} kind="weights" label="A" testId="compare-map-a" />
            <MapCanvas map={mapB} kind="weights" label="B" testId="compare-map-b" />
            <MapCanvas map={diffMap} kind="difference" label="B − A" testId="compare-diff" />
          </div>
          {diff && 'error' in diff ? (
            <p className="notice" data-testid="compare-diff-note">
              No difference map: it needs both maps over the same positions, and {diff.error}.
            </p>
          ) : null}
          <p className="hint" data-testid="compare-diff-legend">
            <span className="legend-bar" style={{ background: PUOR_GRADIENT }} aria-hidden="true" /> Difference: orange where B puts more weight than A, purple where it puts less,
            white where they agree (PuOr, colour-blind safe), scaled to the largest |difference|.
          </p>
          <EntropyCompare a={result} b={compare.resultB} layer={view.layer} />
          <LatencyRatio a={figA} b={figB} ratio={ratio} />
          <ExportButtons name="compare" svg={exportSvg} />
        </>
      )}
    </section>
  );
}
