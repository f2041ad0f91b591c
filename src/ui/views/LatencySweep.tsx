/**
 * How the current model's forward time grows with the sequence length: the fast graph timed at
 * T = 16, 32, … up to a chosen length, on log-log axes, one series per backend (WASM, and WebGPU
 * beside it when there is an adapter), with the exponent fitted over the upper half of the points
 * and O(T) / O(T²) guide lines through each series' first point. Runs in the worker on demand,
 * with a progress bar and a cancel button. Drawn with D3; the numbers are on data attributes.
 */
import { scaleLog } from 'd3-scale';
import { line } from 'd3-shape';
import { useEffect, useMemo, useRef, useState } from 'react';
import { guideLine, sweepLengths, upperHalfExponent, type ScalingPoint } from '../../analysis/scaling';
import type { SweepProgress, SweepResult } from '../../state/latency';
import { useApp } from '../useApp';
import { chartDocument, headColour, inner, MARK_BLUE, plotFrame, type Frame } from './chart';
import { ExportButtons } from './ExportButtons';
import { formatMs } from './LatencyLabels';

const PLOT_HEIGHT = 230;
const LEGEND_ROW = 13;
/** The frame for `rows` legend rows, which sit under the x axis (where no line can cross them). */
const frameFor = (rows: number): Frame => ({ width: 400, height: PLOT_HEIGHT + 8 + rows * LEGEND_ROW, margin: { top: 12, right: 14, bottom: 34 + 8 + rows * LEGEND_ROW, left: 54 } });
const COLOURS: Record<string, string> = { wasm: MARK_BLUE, webgpu: headColour(5) };
const GUIDES = [
  { k: 1, dash: '6 3', name: 'O(T)' },
  { k: 2, dash: '1.5 3', name: 'O(T²)' },
];

/** A series as drawn: its measured points, the exponent and the points it was fitted on. */
interface Drawn {
  provider: string;
  label: string;
  points: ScalingPoint[];
  exponent: number | null;
  fitFrom: number | null;
}

function drawnSeries(p: SweepProgress): Drawn[] {
  return p.series.map((s) => {
    const points = s.points.filter((q): q is ScalingPoint => q.ms !== null && q.ms > 0);
    const fit = upperHalfExponent(points);
    return { provider: s.provider, label: s.label, points, exponent: fit.exponent, fitFrom: fit.exponent === null ? null : fit.used[0]!.T };
  });
}

const exponentText = (k: number | null) => (k === null ? '—' : k.toFixed(2));

function drawSweep(svg: SVGSVGElement, series: Drawn[], lengths: number[]) {
  const legendRows = [
    ...series.map((s) => ({ colour: COLOURS[s.provider] ?? '#8a93a3', dash: null as string | null, text: `${s.label}: exponent ${exponentText(s.exponent)}${s.fitFrom ? ` (fit over T ≥ ${s.fitFrom})` : ''}` })),
    ...GUIDES.map((guide) => ({ colour: 'currentColor', dash: guide.dash, text: `${guide.name} through each series' first point` })),
  ];
  const frame = frameFor(legendRows.length);
  const { w, h } = inner(frame);
  const all = series.flatMap((s) => s.points);
  const [t0, t1] = [Math.min(...lengths), Math.max(...lengths)];
  const x = scaleLog().base(2).domain(t0 < t1 ? [t0, t1] : [t0 / 2, t0 * 2]).range([0, w]);
  const lo = Math.min(...all.map((p) => p.ms));
  const hi = Math.max(...all.map((p) => p.ms));
  const y = scaleLog().domain([lo / 1.6, hi * 1.6]).range([h, 0]);
  const g = plotFrame(svg, frame, x, y, {
    xTitle: 'sequence length T (log)',
    yTitle: 'forward time, ms (log)',
    xTicks: lengths,
    xFormat: String,
    yFormat: y.tickFormat(6, '~g'),
    yTicks: 6,
  });
  g.select('text.axis-title').attr('y', h + 30); // the x title stays under its axis, above the legend
  // Guide lines leave the plot quickly (T² over 8 octaves is 65 536×): clip them to it.
  g.append('clipPath').attr('id', 'latency-sweep-clip').append('rect').attr('width', w).attr('height', h);
  const path = line<ScalingPoint>()
    .x((p) => x(p.T))
    .y((p) => y(p.ms));
  for (const s of series) {
    const colour = COLOURS[s.provider] ?? '#8a93a3';
    const first = s.points[0];
    const sg = g.append('g').attr('class', 'series').attr('data-testid', `sweep-series-${s.provider}`);
    sg.attr('data-values', s.points.map((p) => `${p.T}:${p.ms}`).join(';')).attr('data-exponent', s.exponent ?? '');
    if (first)
      for (const guide of GUIDES)
        sg.append('path')
          .attr('class', 'guide')
          .attr('clip-path', 'url(#latency-sweep-clip)')
          .attr('fill', 'none')
          .attr('stroke', colour)
          .attr('stroke-opacity', 0.55)
          .attr('stroke-dasharray', guide.dash)
          .attr('d', path(guideLine(first, guide.k, lengths)));
    sg.append('path').attr('fill', 'none').attr('stroke', colour).attr('stroke-width', 2).attr('d', path(s.points));
    sg.selectAll('circle')
      .data(s.points)
      .join('circle')
      .attr('cx', (p) => x(p.T))
      .attr('cy', (p) => y(p.ms))
      .attr('r', 3)
      .attr('fill', colour)
      .append('title')
      .text((p) => `${s.label}, T = ${p.T}: ${formatMs(p.ms)}`);
  }
  // The legend is part of the chart, so an exported picture carries it.
  const legend = g.append('g').attr('class', 'legend').attr('transform', `translate(0,${h + 42})`);
  legendRows.forEach((r, i) => {
    const row = legend.append('g').attr('transform', `translate(0,${i * LEGEND_ROW})`);
    row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 5).attr('y2', 5).attr('stroke', r.colour).attr('stroke-width', r.dash ? 1.2 : 2).attr('stroke-dasharray', r.dash);
    row.append('text').attr('x', 22).attr('y', 5).attr('dy', '0.35em').attr('fill', 'currentColor').text(r.text);
  });
  Object.assign(svg.dataset, {
    values: JSON.stringify(series.map((s) => ({ provider: s.provider, label: s.label, points: s.points, exponent: s.exponent }))),
    exponent: series[0]?.exponent == null ? '' : String(series[0].exponent),
  });
}

export function LatencySweep() {
  const sweep = useApp((s) => s.latency.sweep);
  const spec = useApp((s) => s.spec);
  const backend = useApp((s) => (s.runtime.phase === 'ready' ? s.runtime.info.backend : null));
  const { runSweep, cancelSweep } = useApp((s) => s.latencyActions);
  const svgRef = useRef<SVGSVGElement>(null);
  const choices = sweepLengths(spec.maxLen);
  const [upTo, setUpTo] = useState<number | null>(null);
  const maxT = upTo !== null && choices.includes(upTo) ? upTo : choices[choices.length - 1]!;

  const progress: SweepProgress | null = sweep.phase === 'running' ? sweep.progress : sweep.phase === 'done' ? sweep.data : null;
  const result: SweepResult | null = sweep.phase === 'done' ? sweep.data : null;
  const series = useMemo(() => (progress ? drawnSeries(progress) : []), [progress]);
  const lengths = useMemo(() => [...new Set(progress?.series.flatMap((s) => s.points.map((p) => p.T)) ?? [])].sort((a, b) => a - b), [progress]);
  const drawable = series.some((s) => s.points.length > 0);
  useEffect(() => {
    if (drawable) drawSweep(svgRef.current!, series, lengths);
  }, [drawable, series, lengths]);

  const running = sweep.phase === 'running';
  const state = sweep.phase === 'done' ? (sweep.data.cancelled ? 'cancelled' : 'done') : sweep.phase;
  const skipped = progress ? progress.series[0]?.points.filter((p) => p.ms === null) ?? [] : [];
  const webgpuMissing = result ? result.webgpuMissing : backend && backend.provider !== 'webgpu' ? backend.fallbackReason : null;
  const total = progress?.total ?? (running ? 1 : 0);
  const done = progress?.done ?? 0;

  return (
    <div className="latency-part" role="group" aria-label="Latency against sequence length" data-testid="latency-sweep" data-state={state}>
      <div className="latency-head">
        <h3>Against T</h3>
        <label>
          up to T ={' '}
          <select value={maxT} onChange={(e) => setUpTo(Number(e.target.value))} disabled={running} data-testid="sweep-max">
            {choices.map((T) => (
              <option key={T} value={T}>
                {T}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => runSweep(sweepLengths(maxT))} disabled={running} data-testid="sweep-run">
          {result ? 'Sweep again' : 'Sweep'}
        </button>
        <button type="button" onClick={cancelSweep} disabled={!running} data-testid="sweep-cancel">
          Cancel
        </button>
        <ExportButtons name="latency-sweep" svg={() => chartDocument(svgRef.current)} />
      </div>
      {sweep.phase !== 'idle' ? (
        <div className="sweep-progress">
          <div
            className="progress"
            role="progressbar"
            aria-label="Sweep progress"
            aria-valuemin={0}
            aria-valuemax={total}
            aria-valuenow={done}
            aria-valuetext={`${done} of ${total} steps`}
            data-testid="sweep-progress"
          >
            <span style={{ width: `${total ? (100 * done) / total : 0}%` }} />
          </div>
          <span className="hint" aria-live="polite">
            {state === 'running' ? `${done} of ${total} steps…` : state === 'cancelled' ? `cancelled after ${done} of ${total} steps` : state === 'failed' ? '' : `${done} steps`}
          </span>
        </div>
      ) : null}
      {sweep.phase === 'failed' ? <p className="latency-error">The sweep failed: {sweep.message}</p> : null}
      <svg ref={svgRef} className="chart latency-chart" role="img" aria-label="Forward time against sequence length, log-log" data-testid="sweep-chart" style={drawable ? undefined : { display: 'none' }} />
      {series.length > 0 ? (
        <table className="sweep-table" data-testid="sweep-table">
          <thead>
            <tr>
              <th scope="col">T</th>
              {series.map((s) => (
                <th scope="col" key={s.provider}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {lengths.map((T) => (
              <tr key={T}>
                <th scope="row">{T}</th>
                {progress!.series.map((s) => {
                  const p = s.points.find((q) => q.T === T);
                  return <td key={s.provider} title={p?.note}>{!p ? '' : p.ms === null ? 'skipped' : formatMs(p.ms)}</td>;
                })}
              </tr>
            ))}
            <tr>
              <th scope="row">exponent</th>
              {series.map((s) => (
                <td key={s.provider} data-testid={`sweep-exponent-${s.provider}`}>
                  {exponentText(s.exponent)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      ) : null}
      {skipped.length > 0 ? (
        <p className="hint" data-testid="sweep-skipped">
          Skipped: {skipped.map((p) => `T = ${p.T} (${p.note ?? 'no result'})`).join('; ')}.
        </p>
      ) : null}
      <p className="hint">
        Fast graph of the current model, text-like tokens; each point is the fastest of {result?.runs ?? 7} warm runs, the one least disturbed by other work. The exponent k of time ∝ T<sup>k</sup> is a least-squares fit on
        log-log over the upper half of the points. {webgpuMissing ? `WebGPU is unavailable (${webgpuMissing}), so only WASM is measured.` : 'WASM and WebGPU are measured in turn.'}
        {sweep.phase !== 'idle' && sweep.spec !== spec ? ' Measured on an earlier version of the model.' : ''}
      </p>
    </div>
  );
}
