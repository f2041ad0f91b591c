/**
 * How forward time grows with the sequence length: the fast graph timed at powers of 2 from one
 * length to another, on log-log axes, one series per backend (WASM, and WebGPU beside it when there
 * is an adapter). Each point is the median of its runs with a bar over the middle half of them
 * (IQR); each series has its exponent with an interval (src/analysis/scaling.ts) and O(T) / O(T²)
 * guide lines go through the first point. Sweeps can be pinned under a name and overlaid, renamed,
 * removed and exported as CSV. The range goes past maxLen when no weight depends on it (the
 * statistics say how far: compiler/stats.ts, sweepLimit). Runs in the worker on demand, with a
 * progress bar and a cancel button. Drawn with D3; the numbers are on data attributes.
 */
import { scaleLog } from 'd3-scale';
import { line } from 'd3-shape';
import { useEffect, useMemo, useRef, useState } from 'react';
import { guideLine, sweepLengths, type ScalingPoint } from '../../analysis/scaling';
import { SWEEP_MAX_T, SWEEP_NAME_MAX, type PinnedSweep, type SweepProgress, type SweepResult } from '../../state/latency';
import { useApp } from '../useApp';
import { chartDocument, headColour, inner, plotFrame, type Frame } from './chart';
import { download, ExportButtons } from './ExportButtons';
import { formatMs, formatMsBare } from './LatencyLabels';
import { exponentText, seriesRows, sweepCsv, type NamedSweep, type SeriesRow } from './sweepTable';

const PLOT_HEIGHT = 230;
const LEGEND_ROW = 13;
/** The frame for `rows` legend rows, which sit under the x axis (where no line can cross them). */
const frameFor = (rows: number): Frame => ({ width: 420, height: PLOT_HEIGHT + 8 + rows * LEGEND_ROW, margin: { top: 12, right: 14, bottom: 34 + 8 + rows * LEGEND_ROW, left: 54 } });
const GUIDES = [
  { k: 1, dash: '6 3', name: 'O(T)' },
  { k: 2, dash: '1.5 3', name: 'O(T²)' },
];
/** Colour of the i-th sweep on the chart; WebGPU series are dashed beside WASM's solid line. */
const sweepColour = (i: number) => headColour(i);
const providerDash = (provider: string) => (provider === 'webgpu' ? '5 2' : null);

/** `text` cut to `n` characters with an ellipsis. */
const shorten = (text: string, n: number) => (text.length <= n ? text : `${text.slice(0, n - 1)}…`);

/** The test id of a series: the current sweep's as before ("sweep-series-wasm"), a pinned one's with its key. */
const seriesId = (r: SeriesRow) => (r.sweepKey === 'current' ? `sweep-series-${r.provider}` : `sweep-series-${r.sweepKey}-${r.provider}`);

function drawSweep(svg: SVGSVGElement, rows: SeriesRow[], colourOf: (key: string) => string, lengths: number[]) {
  const drawn = rows.filter((r) => r.points.length > 0);
  // One backend on the chart: no need to name it in every row. Long names are cut so a row fits the chart.
  const oneBackend = new Set(drawn.map((r) => r.label)).size <= 1;
  const legendRows = [
    ...drawn.map((r) => ({ colour: colourOf(r.sweepKey), dash: providerDash(r.provider), width: 2, text: `${shorten(r.sweep, oneBackend ? 34 : 22)}${oneBackend ? '' : ` · ${r.label}`}: k = ${exponentText(r.fit)}${r.fit ? `, T ≥ ${r.fit.used[0]}` : ''}` })),
    ...GUIDES.map((guide) => ({ colour: 'currentColor', dash: guide.dash as string | null, width: 1.2, text: `${guide.name} through the first series' first point` })),
  ];
  const frame = frameFor(legendRows.length);
  const { w, h } = inner(frame);
  const all = drawn.flatMap((r) => r.points);
  const [t0, t1] = [Math.min(...lengths), Math.max(...lengths)];
  const x = scaleLog().base(2).domain(t0 < t1 ? [t0, t1] : [t0 / 2, t0 * 2]).range([0, w]);
  const lo = Math.min(...all.map((p) => p.q1));
  const hi = Math.max(...all.map((p) => p.q3));
  const y = scaleLog().domain([lo / 1.6, hi * 1.6]).range([h, 0]);
  const g = plotFrame(svg, frame, x, y, {
    xTitle: 'sequence length T (log)',
    yTitle: 'forward time, ms (log)',
    xTicks: lengths,
    xFormat: (T) => (T >= 1024 ? `${T / 1024}k` : String(T)),
    yFormat: y.tickFormat(6, '~g'),
    yTicks: 6,
  });
  g.select('text.axis-title').attr('y', h + 30); // the x title stays under its axis, above the legend
  // Guide lines leave the plot quickly (T² over 9 octaves is 262 144×): clip them to it.
  g.append('clipPath').attr('id', 'latency-sweep-clip').append('rect').attr('width', w).attr('height', h);
  const path = line<ScalingPoint>()
    .x((p) => x(p.T))
    .y((p) => y(p.ms));
  const first = drawn[0]?.points[0];
  if (first)
    for (const guide of GUIDES)
      g.append('path')
        .attr('class', 'guide')
        .attr('clip-path', 'url(#latency-sweep-clip)')
        .attr('fill', 'none')
        .attr('stroke', 'currentColor')
        .attr('stroke-opacity', 0.5)
        .attr('stroke-dasharray', guide.dash)
        .attr('d', path(guideLine({ T: first.T, ms: first.median }, guide.k, lengths)));
  for (const r of drawn) {
    const colour = colourOf(r.sweepKey);
    const sg = g.append('g').attr('class', 'series').attr('data-testid', seriesId(r)).attr('data-sweep', r.sweep);
    sg.attr('data-values', r.points.map((p) => `${p.T}:${p.median}`).join(';'))
      .attr('data-exponent', r.fit?.exponent ?? '')
      .attr('data-exponent-lo', r.fit?.lo ?? '')
      .attr('data-exponent-hi', r.fit?.hi ?? '');
    sg.append('path')
      .attr('fill', 'none')
      .attr('stroke', colour)
      .attr('stroke-width', 2)
      .attr('stroke-dasharray', providerDash(r.provider))
      .attr('d', path(r.points.map((p) => ({ T: p.T, ms: p.median }))));
    // The middle half of each point's runs, as a bar with caps.
    const bars = sg.selectAll('g.spread').data(r.points).join('g').attr('class', 'spread').attr('stroke', colour).attr('stroke-width', 1.2);
    bars.append('line').attr('x1', (p) => x(p.T)).attr('x2', (p) => x(p.T)).attr('y1', (p) => y(p.q1)).attr('y2', (p) => y(p.q3));
    for (const end of ['q1', 'q3'] as const)
      bars.append('line').attr('x1', (p) => x(p.T) - 3).attr('x2', (p) => x(p.T) + 3).attr('y1', (p) => y(p[end])).attr('y2', (p) => y(p[end]));
    sg.selectAll('circle')
      .data(r.points)
      .join('circle')
      .attr('cx', (p) => x(p.T))
      .attr('cy', (p) => y(p.median))
      .attr('r', 2.5)
      .attr('fill', colour)
      .append('title')
      .text((p) => `${r.sweep} · ${r.label}, T = ${p.T}: ${formatMs(p.median)} (IQR ${formatMsBare(p.q1)}–${formatMs(p.q3)}, ${p.n} runs)`);
  }
  // The legend is part of the chart, so an exported picture carries it.
  const legend = g.append('g').attr('class', 'legend').attr('transform', `translate(${8 - frame.margin.left},${h + 42})`);
  legendRows.forEach((r, i) => {
    const row = legend.append('g').attr('transform', `translate(0,${i * LEGEND_ROW})`);
    row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 5).attr('y2', 5).attr('stroke', r.colour).attr('stroke-width', r.width).attr('stroke-dasharray', r.dash);
    row.append('text').attr('x', 22).attr('y', 5).attr('dy', '0.35em').attr('fill', 'currentColor').text(r.text);
  });
  const current = drawn.filter((r) => r.sweepKey === 'current');
  Object.assign(svg.dataset, {
    values: JSON.stringify(current.map((r) => ({ provider: r.provider, label: r.label, points: r.points.map((p) => ({ T: p.T, ms: p.median, medianMs: p.median, minMs: p.min, q1: p.q1, q3: p.q3, min: p.min, max: p.max, samplesMs: p.samplesMs })), exponent: r.fit?.exponent ?? null, lo: r.fit?.lo ?? null, hi: r.fit?.hi ?? null }))),
    exponent: current[0]?.fit ? String(current[0].fit.exponent) : '',
    sweeps: String(new Set(drawn.map((r) => r.sweepKey)).size),
  });
}

/** One end of the sweep's range: a menu of the lengths this model can be swept at. */
function LengthPick({ label, value, choices, onChange, disabled, testId }: { label: string; value: number; choices: number[]; onChange: (T: number) => void; disabled: boolean; testId: string }) {
  return (
    <label>
      {label}{' '}
      <select value={value} onChange={(e) => onChange(Number(e.target.value))} disabled={disabled} data-testid={testId}>
        {choices.map((T) => (
          <option key={T} value={T}>
            {T}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A pinned sweep's name, editable: Enter or leaving the field renames it; a refused name stays with the reason. */
function PinnedName({ pin }: { pin: PinnedSweep }) {
  const { renameSweep, removeSweep } = useApp((s) => s.latencyActions);
  const [draft, setDraft] = useState(pin.name);
  const [problem, setProblem] = useState<string | null>(null);
  const commit = () => {
    if (draft === pin.name) return setProblem(null);
    setProblem(renameSweep(pin.id, draft));
  };
  return (
    <li data-testid={`pinned-${pin.id}`} data-name={pin.name}>
      <input
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()}
        aria-label={`Name of pinned sweep ${pin.name}`}
        aria-invalid={problem ? true : undefined}
        maxLength={SWEEP_NAME_MAX + 20}
        data-testid={`pinned-name-${pin.id}`}
      />{' '}
      {pin.model !== pin.name ? <span className="hint">{pin.model} </span> : null}
      <button type="button" onClick={() => removeSweep(pin.id)} data-testid={`pinned-remove-${pin.id}`} aria-label={`Remove pinned sweep ${pin.name}`}>
        Remove
      </button>
      {problem ? <span className="field-error"> {problem}; the name stays “{pin.name}”.</span> : null}
    </li>
  );
}

export function LatencySweep() {
  const sweep = useApp((s) => s.latency.sweep);
  const pinned = useApp((s) => s.latency.pinned);
  const spec = useApp((s) => s.spec);
  const limit = useApp((s) => (s.stats && s.stats.spec === s.spec ? s.stats.data.sweep : undefined));
  const backend = useApp((s) => (s.runtime.phase === 'ready' ? s.runtime.info.backend : null));
  const { runSweep, cancelSweep, pinSweep } = useApp((s) => s.latencyActions);
  const svgRef = useRef<SVGSVGElement>(null);
  const maxT = limit?.maxT ?? spec.maxLen;
  const choices = sweepLengths(Math.min(maxT, SWEEP_MAX_T));
  const [upTo, setUpTo] = useState<number | null>(null);
  const [from, setFrom] = useState<number | null>(null);
  const defaultUpTo = limit && limit.reason === null ? Math.min(maxT, Math.max(spec.maxLen, 1024)) : maxT;
  const upToT = upTo !== null && choices.includes(upTo) ? upTo : (choices.filter((T) => T <= defaultUpTo).at(-1) ?? choices.at(-1)!);
  const fromT = from !== null && choices.includes(from) && from <= upToT ? from : choices[0]!;

  const progress: SweepProgress | null = sweep.phase === 'running' ? sweep.progress : sweep.phase === 'done' ? sweep.data : null;
  const result: SweepResult | null = sweep.phase === 'done' ? sweep.data : null;
  const named: NamedSweep[] = useMemo(
    () => [...pinned.map((p) => ({ key: `pin-${p.id}`, name: p.name, series: p.data.series })), ...(progress ? [{ key: 'current', name: sweep.phase === 'idle' ? '' : `${sweep.spec?.name ?? 'current'} (unpinned)`, series: progress.series }] : [])],
    [pinned, progress, sweep],
  );
  const rows = useMemo(() => seriesRows(named), [named]);
  const colourOf = useMemo(() => {
    const keys = named.map((n) => n.key);
    return (key: string) => sweepColour(Math.max(0, keys.indexOf(key)));
  }, [named]);
  const lengths = useMemo(() => [...new Set(named.flatMap((n) => n.series.flatMap((s) => s.points.map((p) => p.T))))].sort((a, b) => a - b), [named]);
  const drawable = rows.some((r) => r.points.length > 0);
  useEffect(() => {
    if (drawable) drawSweep(svgRef.current!, rows, colourOf, lengths);
  }, [drawable, rows, colourOf, lengths]);

  const running = sweep.phase === 'running';
  const state = sweep.phase === 'done' ? (sweep.data.cancelled ? 'cancelled' : 'done') : sweep.phase;
  const skipped = rows.filter((r) => r.sweepKey === 'current').slice(0, 1).flatMap((r) => r.skipped);
  const webgpuMissing = result ? result.webgpuMissing : backend && backend.provider !== 'webgpu' ? backend.fallbackReason : null;
  const total = progress?.total ?? (running ? 1 : 0);
  const done = progress?.done ?? 0;
  const saveCsv = () => download(new Blob([sweepCsv(rows)], { type: 'text/csv' }), 'latency-sweeps.csv');

  return (
    <div className="latency-part" role="group" aria-label="Latency against sequence length" data-testid="latency-sweep" data-state={state} data-max-t={maxT}>
      <div className="latency-head">
        <h3>Against T</h3>
        <LengthPick label="T from" value={fromT} choices={choices} onChange={setFrom} disabled={running} testId="sweep-from" />
        <LengthPick label="up to" value={upToT} choices={choices} onChange={setUpTo} disabled={running} testId="sweep-max" />
        <button type="button" onClick={() => runSweep(sweepLengths(upToT, fromT))} disabled={running} data-testid="sweep-run">
          {result ? 'Sweep again' : 'Sweep'}
        </button>
        <button type="button" onClick={cancelSweep} disabled={!running} data-testid="sweep-cancel">
          Cancel
        </button>
        <button type="button" onClick={() => pinSweep()} disabled={!result} data-testid="sweep-pin" title="Keep this sweep on the chart under a name, to compare with the next">
          Pin
        </button>
        <button type="button" onClick={saveCsv} disabled={!rows.length} data-testid="sweep-csv">
          CSV
        </button>
        <ExportButtons name="latency-sweep" svg={() => chartDocument(svgRef.current)} />
      </div>
      <p className="hint" data-testid="sweep-range">
        {limit === undefined
          ? `Up to maxLen (${spec.maxLen}) until the model's statistics say how far it can go.`
          : limit.reason === null
            ? `Up to T = ${maxT}: no weight of this model depends on maxLen (${spec.maxLen}), so it is swept past it.`
            : `Up to maxLen (${maxT}): ${limit.reason}.`}
      </p>
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
      {pinned.length > 0 ? (
        <ul className="sweep-pins" aria-label="Pinned sweeps" data-testid="sweep-pins">
          {pinned.map((p) => (
            <PinnedName key={p.id} pin={p} />
          ))}
        </ul>
      ) : null}
      <svg ref={svgRef} className="chart latency-chart" role="img" aria-label="Forward time against sequence length, log-log" data-testid="sweep-chart" style={drawable ? undefined : { display: 'none' }} />
      {rows.length > 0 ? (
        <table className="sweep-table" data-testid="sweep-table">
          <thead>
            <tr>
              <th scope="col">T</th>
              {rows.map((r) => (
                <th scope="col" key={`${r.sweepKey}-${r.provider}`}>
                  {r.sweep}
                  <br />
                  {r.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {lengths.map((T) => (
              <tr key={T}>
                <th scope="row">{T}</th>
                {rows.map((r) => {
                  const p = r.points.find((q) => q.T === T);
                  const s = r.skipped.find((q) => q.T === T);
                  return (
                    <td key={`${r.sweepKey}-${r.provider}`} title={s?.note ?? (p ? `min–max ${formatMsBare(p.min)}–${formatMs(p.max)} over ${p.n} runs` : undefined)} data-testid={`sweep-cell-${r.sweepKey}-${r.provider}-${T}`}>
                      {p ? (
                        <>
                          {formatMs(p.median)} <span className="hint">({formatMsBare(p.q1)}–{formatMsBare(p.q3)})</span>
                        </>
                      ) : s ? (
                        'skipped'
                      ) : (
                        ''
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
            <tr>
              <th scope="row">exponent</th>
              {rows.map((r) => (
                <td key={`${r.sweepKey}-${r.provider}`} data-testid={r.sweepKey === 'current' ? `sweep-exponent-${r.provider}` : `sweep-exponent-${r.sweepKey}-${r.provider}`}>
                  {exponentText(r.fit)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      ) : null}
      {skipped.length > 0 ? (
        <p className="hint" data-testid="sweep-skipped">
          Skipped: {skipped.map((p) => `T = ${p.T} (${p.note})`).join('; ')}.
        </p>
      ) : null}
      <p className="hint">
        Fast graph of the current model, text-like tokens. Each point is the median of at least {result?.runs ?? 7} warm runs (more where they spread by over 10%), with a bar and, in the table, the
        interquartile range: the middle half of the runs. The exponent k of time ∝ T<sup>k</sup> is a least-squares fit on log-log over the upper half of the points, each weighted by its spread; the
        bracket is its 95% interval. Pin a sweep to keep it on the chart beside the next. {webgpuMissing ? `WebGPU is unavailable (${webgpuMissing}), so only WASM is measured.` : 'WASM and WebGPU are measured in turn.'}
        {sweep.phase !== 'idle' && sweep.spec !== spec ? ' The unpinned sweep was measured on an earlier version of the model.' : ''}
      </p>
    </div>
  );
}
