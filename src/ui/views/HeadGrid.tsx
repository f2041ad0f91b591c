/**
 * The model at a glance: every layer run × head as a small map (the worker's 24 × 24 thumbnails of
 * mean |weight|), framed in the colour of that head's mean entropy as a fraction of uniform.
 * Each thumbnail is a button that focuses its layer run and head. Thumbnails are drawn on canvas
 * after each render from the store's arrays; the entropy behind each frame colour is written to
 * data-entropy-fraction. Thumbnails show magnitudes on the sequential scale even for signed
 * (implicit) maps: at 24 × 24 a block's mean |weight| says where a head looks, while signed means
 * would cancel; the attention map shows the sign.
 *
 * Under each thumbnail, unless folded away, what the head does on this text (HeadStatsCell.tsx):
 * the worker's head statistics (AnalysisResult.headStats, from the full maps; a snapshot's during
 * timeline scrubbing) beside the same entropy fraction the frame shows, and a role badge.
 */
import { interpolateViridis } from 'd3-scale-chromatic';
import { useEffect, useMemo, useRef, useState } from 'react';
import { headEntropyGrid } from '../../analysis/entropy';
import type { AppState } from '../../state/store';
import { useTimelineResult } from '../train/timelineView';
import { useApp } from '../useApp';
import { ENTROPY_GRADIENT, entropyColour, legendMarkup, percent, SVG_NS } from './chart';
import { BLUES_LUT, colourIndex } from './colour';
import { ExportButtons, svgDocument } from './ExportButtons';
import { HeadStatsCell } from './HeadStatsCell';
import { statValues } from './headStatsInfo';
import { WaitingHint } from './Waiting';

type Result = NonNullable<AppState['result']>;

/** Heads (layer runs × heads) up to which the statistics show until the person chooses: beyond, the grid stays thumbnails only. */
export const STATS_SHOWN_UP_TO = 48;

/** Draws thumbnail `head` of layer run `run` into `canvas`, each scaled to its own largest weight (√ scale, as the map's default). */
function drawThumb(canvas: HTMLCanvasElement, result: Result, run: number, head: number) {
  const s = result.data.thumbSide;
  const all = result.data.thumbs[run];
  const g = canvas.getContext('2d');
  if (!all || !g) return;
  const values = all.subarray(head * s * s, (head + 1) * s * s);
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const img = new ImageData(s, s);
  for (let k = 0; k < s * s; k++) {
    const c = colourIndex(Math.abs(values[k]!) / (max || 1), 'sqrt') * 3;
    img.data.set([BLUES_LUT[c]!, BLUES_LUT[c + 1]!, BLUES_LUT[c + 2]!, 255], k * 4);
  }
  canvas.width = s;
  canvas.height = s;
  g.putImageData(img, 0, 0);
}

/** The grid as a standalone SVG: thumbnails as embedded PNGs in their entropy-coloured frames, with row and column labels. */
function gridSvg(grid: HTMLElement, layers: number, heads: number): string | null {
  const thumbs = grid.querySelectorAll<HTMLButtonElement>('button[data-layer]');
  if (thumbs.length === 0) return null;
  const cell = 40;
  const pad = 3;
  const left = 34;
  const top = 18;
  const parts = [legendMarkup('head-grid-gradient', left + 24, top + layers * cell + 8, 120, interpolateViridis, '0%', '100% of uniform entropy')];
  for (let h = 0; h < heads; h++) parts.push(`<text x="${left + h * cell + cell / 2}" y="12" text-anchor="middle">h${h}</text>`);
  for (let r = 0; r < layers; r++) parts.push(`<text x="${left - 6}" y="${top + r * cell + cell / 2 + 3}" text-anchor="end">L${r}</text>`);
  for (const b of thumbs) {
    const r = Number(b.dataset['layer']);
    const h = Number(b.dataset['head']);
    const x = left + h * cell;
    const y = top + r * cell;
    const url = b.querySelector('canvas')!.toDataURL('image/png');
    parts.push(`<rect x="${x + 1}" y="${y + 1}" width="${cell - 2}" height="${cell - 2}" fill="${entropyColour(Number(b.dataset['entropyFraction']))}"/>`);
    parts.push(`<image x="${x + 1 + pad}" y="${y + 1 + pad}" width="${cell - 2 - 2 * pad}" height="${cell - 2 - 2 * pad}" preserveAspectRatio="none" href="${url}"/>`);
  }
  // svgDocument takes the page's text colour from a live element, so the empty SVG is mounted for a moment.
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', String(Math.max(left + heads * cell + 4, 320)));
  svg.setAttribute('height', String(top + layers * cell + 26));
  grid.append(svg);
  try {
    return svgDocument(svg, parts.join(''));
  } finally {
    svg.remove();
  }
}

export function HeadGrid() {
  const { result, step } = useTimelineResult();
  const view = useApp((s) => s.view);
  const selectView = useApp((s) => s.selectView);
  const gridRef = useRef<HTMLDivElement>(null);
  /** The person's choice of "Show head statistics" (null: by the grid's size, STATS_SHOWN_UP_TO). */
  const [statsChoice, setStatsChoice] = useState<boolean | null>(null);

  const entropy = useMemo(() => {
    if (!result) return [];
    const { entropy: e, support, nHeads, T } = result.data;
    return headEntropyGrid(e, support, nHeads, T);
  }, [result]);

  useEffect(() => {
    if (!result || !gridRef.current) return;
    for (const b of gridRef.current.querySelectorAll<HTMLButtonElement>('button[data-layer]')) drawThumb(b.querySelector('canvas')!, result, Number(b.dataset['layer']), Number(b.dataset['head']));
  }, [result]);

  const heads = result?.data.nHeads ?? 0;
  const layers = result?.data.nLayers ?? 0;
  const showStats = statsChoice ?? layers * heads <= STATS_SHOWN_UP_TO;
  const stats = result?.data.headStats;
  return (
    <section className="panel head-grid-panel" aria-label="Heads">
      <div className="panel-head">
        <h2>
          Heads{' '}
          <span className="unit">
            {layers} {result?.data.opened ? 'attention layer' : 'layer run'}
            {layers === 1 ? '' : 's'} × {heads} head{heads === 1 ? '' : 's'}
          </span>
        </h2>
        {step !== null ? (
          <span className="badge timeline-badge" data-testid="grid-timeline-step" title="The timeline shows the model as it was at this step of training, on the training probe example">
            at step {step}
          </span>
        ) : null}
        <label className="head-stats-toggle" title="Under each thumbnail: its previous-token, induction, sink, distance and entropy figures on this text, and a role when one clearly dominates">
          <input type="checkbox" checked={showStats} onChange={(e) => setStatsChoice(e.target.checked)} data-testid="head-stats-toggle" /> Show head statistics
        </label>
        <ExportButtons name="head-grid" svg={() => (gridRef.current ? gridSvg(gridRef.current, layers, heads) : null)} />
      </div>
      {!result ? <WaitingHint /> : null}
      <div className={showStats ? 'head-grid with-stats' : 'head-grid'} ref={gridRef} data-testid="head-grid" data-step={step ?? ''} style={{ '--heads': heads } as React.CSSProperties}>
        {result ? (
          <div className="head-grid-row" aria-hidden="true">
            <span />
            {Array.from({ length: heads }, (_, h) => (
              <span key={h} className="head-grid-label">h{h}</span>
            ))}
          </div>
        ) : null}
        {entropy.map((row, r) => (
          <div key={r} className="head-grid-row" role="group" aria-label={`Layer ${r}`}>
            <span className="head-grid-label" aria-hidden="true">L{r}</span>
            {row.map(({ head: h, meanFraction }) => {
              const selected = view.layer === r && view.head === h;
              return (
                <div key={h} className="head-cell">
                  <button
                    type="button"
                    className={selected ? 'thumb selected' : 'thumb'}
                    aria-label={`Layer ${r}, head ${h}: entropy ${percent(meanFraction)}`}
                    aria-pressed={selected}
                    data-layer={r}
                    data-head={h}
                    data-entropy-fraction={meanFraction}
                    style={{ background: entropyColour(meanFraction) }}
                    onClick={() => {
                      selectView(r, h);
                    }}
                  >
                    <canvas width={24} height={24} />
                  </button>
                  {showStats && stats?.[r] ? <HeadStatsCell layer={r} head={h} values={statValues(stats[r][h], meanFraction)} /> : null}
                </div>
              );
            })}
          </div>
        ))}
      </div>
      <div className="legend">
        <span>0%</span>
        <span className="legend-bar" style={{ background: ENTROPY_GRADIENT }} />
        <span>100%</span>
        <span className="hint">
          Frame colour: the head's mean entropy as a fraction of uniform (dark: each query looks at few keys; yellow: spread evenly). Each thumbnail shows
          magnitudes |weight| (the sign of an implicit map is not shown here), scaled to its own largest one. Click one to show it, with its sign, in the attention map.
          {showStats ? ' Under each: what the head does on this text (prev, ind, sink, dist, H; hover a number for what it means) and its role when one figure clearly dominates.' : null}
        </span>
      </div>
    </section>
  );
}
