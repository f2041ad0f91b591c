/**
 * Prefill against decode: for context lengths L, the forward pass over L tokens (prefill) and one
 * decode step at position L − 1 with a cache or state of L tokens (what each further token costs),
 * on log-log axes with each curve's fitted exponent (src/analysis/scaling.ts). In compare mode both
 * models are measured in the same run, and the lengths where their decode latencies cross, and
 * their prefill latencies, are marked (src/analysis/crossover.ts; beyond the range, the fitted
 * power laws' meeting point is said in words). Run in the worker on demand (workers/decodeLatency.ts);
 * the numbers are on data attributes.
 */
import { scaleLog } from 'd3-scale';
import { line } from 'd3-shape';
import { useEffect, useMemo, useRef, useState } from 'react';
import { crossings, extrapolatedCrossing, type Crossing } from '../../analysis/crossover';
import { sweepLengths } from '../../analysis/scaling';
import { SWEEP_MAX_T } from '../../state/latency';
import type { DecodeSweepProgress, DecodeSweepResult } from '../../state/store';
import { useApp, useAppStore } from '../useApp';
import { chartDocument, headColour, inner, plotFrame, type Frame } from './chart';
import { ExportButtons } from './ExportButtons';
import { formatMs, formatMsBare } from './LatencyLabels';
import { exponentText, seriesRows, type SeriesRow } from './sweepTable';

const LEGEND_ROW = 13;
const frameFor = (rows: number): Frame => ({ width: 420, height: 230 + 8 + rows * LEGEND_ROW, margin: { top: 12, right: 14, bottom: 42 + rows * LEGEND_ROW, left: 54 } });
/** Prefill solid, decode dashed; model A and B in their own colours. */
const dashOf = (kind: string) => (kind === 'decode' ? '5 2' : null);
const colourOf = (slot: string) => headColour(slot === 'a' ? 0 : 1);

/** A row per (model, kind): sweepKey "a-prefill", "b-decode"… */
interface Row extends SeriesRow {
  slot: 'a' | 'b';
  kind: 'prefill' | 'decode';
}

function rowsOf(data: DecodeSweepProgress, provider: string, label: string, compare: boolean): Row[] {
  return data.series.map((s) => {
    const name = `${compare ? `${s.slot.toUpperCase()}: ` : ''}${s.kind}`;
    const [row] = seriesRows([{ key: `${s.slot}-${s.kind}`, name, series: [{ provider: provider as 'wasm', label, points: s.points }] }]);
    return { ...row!, slot: s.slot, kind: s.kind };
  });
}

/** Where A's and B's curves of `kind` cross: measured between lengths, else extrapolated from the fits, else none. */
function crossingOf(rows: Row[], kind: 'prefill' | 'decode'): Crossing | null {
  const a = rows.find((r) => r.slot === 'a' && r.kind === kind);
  const b = rows.find((r) => r.slot === 'b' && r.kind === kind);
  if (!a || !b) return null;
  const measured = crossings(
    a.points.map((p) => ({ T: p.T, ms: p.median })),
    b.points.map((p) => ({ T: p.T, ms: p.median })),
  );
  return measured.at(-1) ?? extrapolatedCrossing(a.points, b.points);
}

function draw(svg: SVGSVGElement, rows: Row[], lengths: number[], marks: { kind: string; x: Crossing }[]) {
  const drawn = rows.filter((r) => r.points.length > 0);
  const legend = drawn.map((r) => ({ colour: colourOf(r.slot), dash: dashOf(r.kind), text: `${r.sweep}: k = ${exponentText(r.fit)}` }));
  const frame = frameFor(legend.length);
  const { w, h } = inner(frame);
  const all = drawn.flatMap((r) => r.points);
  const [t0, t1] = [Math.min(...lengths), Math.max(...lengths)];
  const x = scaleLog().base(2).domain(t0 < t1 ? [t0, t1] : [t0 / 2, t0 * 2]).range([0, w]);
  const y = scaleLog().domain([Math.min(...all.map((p) => p.q1)) / 1.6, Math.max(...all.map((p) => p.q3)) * 1.6]).range([h, 0]);
  const g = plotFrame(svg, frame, x, y, {
    xTitle: 'context length L (log)',
    yTitle: 'ms (log)',
    xTicks: lengths,
    xFormat: (T) => (T >= 1024 ? `${T / 1024}k` : String(T)),
    yFormat: y.tickFormat(6, '~g'),
    yTicks: 6,
  });
  g.select('text.axis-title').attr('y', h + 30);
  const path = line<{ T: number; ms: number }>()
    .x((p) => x(p.T))
    .y((p) => y(p.ms));
  for (const r of drawn) {
    const sg = g.append('g').attr('class', 'series').attr('data-testid', `decode-series-${r.slot}-${r.kind}`);
    sg.attr('data-values', r.points.map((p) => `${p.T}:${p.median}`).join(';')).attr('data-exponent', r.fit?.exponent ?? '');
    sg.append('path').attr('fill', 'none').attr('stroke', colourOf(r.slot)).attr('stroke-width', 2).attr('stroke-dasharray', dashOf(r.kind)).attr('d', path(r.points.map((p) => ({ T: p.T, ms: p.median }))));
    sg.selectAll('circle')
      .data(r.points)
      .join('circle')
      .attr('cx', (p) => x(p.T))
      .attr('cy', (p) => y(p.median))
      .attr('r', 2.5)
      .attr('fill', colourOf(r.slot))
      .append('title')
      .text((p) => `${r.sweep}, L = ${p.T}: ${formatMs(p.median)} (IQR ${formatMsBare(p.q1)}–${formatMs(p.q3)}, ${p.n} runs)`);
  }
  // Crossings inside the range: a vertical line and its length.
  for (const { kind, x: c } of marks) {
    if (c.T < x.domain()[0]! || c.T > x.domain()[1]!) continue;
    const m = g.append('g').attr('class', 'crossover').attr('data-testid', `decode-crossover-mark-${kind}`).attr('data-t', c.T);
    m.append('line').attr('x1', x(c.T)).attr('x2', x(c.T)).attr('y1', 0).attr('y2', h).attr('stroke', 'currentColor').attr('stroke-opacity', 0.6).attr('stroke-dasharray', dashOf(kind) ?? '2 2');
    m.append('text').attr('x', x(c.T) + 3).attr('y', kind === 'decode' ? 10 : 22).attr('fill', 'currentColor').text(`${kind} cross, L ≈ ${Math.round(c.T)}`);
  }
  const lg = g.append('g').attr('class', 'legend').attr('transform', `translate(${8 - frame.margin.left},${h + 42})`);
  legend.forEach((r, i) => {
    const row = lg.append('g').attr('transform', `translate(0,${i * LEGEND_ROW})`);
    row.append('line').attr('x1', 0).attr('x2', 18).attr('y1', 5).attr('y2', 5).attr('stroke', r.colour).attr('stroke-width', 2).attr('stroke-dasharray', r.dash);
    row.append('text').attr('x', 22).attr('y', 5).attr('dy', '0.35em').attr('fill', 'currentColor').text(r.text);
  });
  svg.dataset['values'] = JSON.stringify(drawn.map((r) => ({ slot: r.slot, kind: r.kind, points: r.points.map((p) => ({ T: p.T, ms: p.median })), exponent: r.fit?.exponent ?? null })));
}

/** A crossing in words. */
function crossingText(kind: string, c: Crossing | null, rows: Row[]): string {
  const name = (slot: 'a' | 'b') => `${slot.toUpperCase()}`;
  if (!c) {
    const a = rows.find((r) => r.slot === 'a' && r.kind === kind);
    const b = rows.find((r) => r.slot === 'b' && r.kind === kind);
    const last = a?.points.at(-1);
    const other = last && b?.points.find((p) => p.T === last.T);
    if (!last || !other) return `The ${kind} curves have no common lengths to compare.`;
    return `The ${kind} latencies do not cross in this range, and their fitted exponents do not say where they would: ${last.median < other.median ? 'A' : 'B'} is faster at L = ${last.T}.`;
  }
  const after = name(c.fasterAfter);
  const before = name(c.fasterAfter === 'a' ? 'b' : 'a');
  return c.how === 'measured'
    ? `The ${kind} latencies cross at L ≈ ${Math.round(c.T)} (${formatMs(c.ms)}): ${before} is faster below it, ${after} above.`
    : `The ${kind} latencies do not cross in this range; their fitted power laws meet at L ≈ ${Math.round(c.T).toLocaleString('en')} (extrapolated), beyond which ${after} would be faster.`;
}

type Run = { phase: 'idle' } | { phase: 'running'; progress: DecodeSweepProgress | null } | { phase: 'done'; data: DecodeSweepResult } | { phase: 'failed'; message: string };

export function DecodeSweep() {
  const store = useAppStore();
  const spec = useApp((s) => s.spec);
  const compare = useApp((s) => s.compare !== null);
  const limit = useApp((s) => (s.stats && s.stats.spec === s.spec ? s.stats.data.sweep : undefined));
  const backend = useApp((s) => (s.runtime.phase === 'ready' ? s.runtime.info.backend : null));
  const maxT = limit?.maxT ?? spec.maxLen;
  const choices = sweepLengths(Math.min(maxT, SWEEP_MAX_T));
  const [upTo, setUpTo] = useState<number | null>(null);
  const upToT = upTo !== null && choices.includes(upTo) ? upTo : (choices.filter((T) => T <= Math.max(spec.maxLen, 512)).at(-1) ?? choices.at(-1)!);
  const [run, setRun] = useState<Run>({ phase: 'idle' });
  const [lengths, setLengths] = useState<number[]>([]);
  const ticket = useRef(0);
  const svgRef = useRef<SVGSVGElement>(null);

  const start = () => {
    const mine = ++ticket.current;
    const ls = sweepLengths(upToT);
    setLengths(ls);
    setRun({ phase: 'running', progress: null });
    let finished = false;
    store
      .getState()
      .decodeSweep(ls, (progress) => {
        if (ticket.current === mine && !finished) setRun({ phase: 'running', progress });
      })
      .then(
        (data) => {
          finished = true;
          if (ticket.current === mine) setRun({ phase: 'done', data });
        },
        (e: unknown) => {
          finished = true;
          if (ticket.current === mine) setRun({ phase: 'failed', message: e instanceof Error ? e.message : String(e) });
        },
      );
  };

  const data = run.phase === 'done' ? run.data : run.phase === 'running' ? run.progress : null;
  const provider = run.phase === 'done' ? run.data.provider : (backend?.provider ?? 'wasm');
  const label = run.phase === 'done' ? run.data.label : provider === 'webgpu' ? 'WebGPU' : 'WASM';
  const twoModels = Boolean(data && data.series.some((s) => s.slot === 'b'));
  const rows = useMemo(() => (data ? rowsOf(data, provider, label, twoModels) : []), [data, provider, label, twoModels]);
  const marks = useMemo(
    () => (twoModels && run.phase === 'done' ? (['decode', 'prefill'] as const).map((kind) => ({ kind, x: crossingOf(rows, kind) })) : []),
    [rows, twoModels, run.phase],
  );
  const drawable = rows.some((r) => r.points.length > 0);
  useEffect(() => {
    if (drawable) draw(svgRef.current!, rows, lengths, marks.flatMap((m) => (m.x ? [{ kind: m.kind, x: m.x }] : [])));
  }, [drawable, rows, lengths, marks]);

  const running = run.phase === 'running';
  const state = run.phase === 'done' ? (run.data.cancelled ? 'cancelled' : 'done') : run.phase;
  const done = data?.done ?? 0;
  const total = data?.total ?? 0;
  const skipped = rows.flatMap((r) => r.skipped.map((s) => `${r.sweep} at L = ${s.T} (${s.note})`));

  return (
    <div className="latency-part" role="group" aria-label="Prefill against decode" data-testid="decode-sweep" data-state={state}>
      <div className="latency-head">
        <h3>Prefill against decode</h3>
        <label>
          L from 16 up to{' '}
          <select value={upToT} onChange={(e) => setUpTo(Number(e.target.value))} disabled={running} data-testid="decode-sweep-max">
            {choices.map((T) => (
              <option key={T} value={T}>
                {T}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={start} disabled={running} data-testid="decode-sweep-run">
          {run.phase === 'done' ? 'Measure again' : 'Measure'}
        </button>
        <button type="button" onClick={() => store.getState().cancelDecodeSweep()} disabled={!running} data-testid="decode-sweep-cancel">
          Cancel
        </button>
        <ExportButtons name="prefill-decode" svg={() => chartDocument(svgRef.current)} />
      </div>
      {run.phase !== 'idle' && run.phase !== 'failed' ? (
        <div className="sweep-progress">
          <div className="progress" role="progressbar" aria-label="Prefill and decode progress" aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} data-testid="decode-sweep-progress">
            <span style={{ width: `${total ? (100 * done) / total : 0}%` }} />
          </div>
          <span className="hint" aria-live="polite">
            {state === 'running' ? `${done} of ${total || '…'} points…` : state === 'cancelled' ? `cancelled after ${done} of ${total} points` : `${done} points on ${label}`}
          </span>
        </div>
      ) : null}
      {run.phase === 'failed' ? <p className="latency-error">The measurement failed: {run.message}</p> : null}
      <svg ref={svgRef} className="chart latency-chart" role="img" aria-label="Prefill and decode time against context length, log-log" data-testid="decode-sweep-chart" style={drawable ? undefined : { display: 'none' }} />
      {marks.map((m) => (
        <p key={m.kind} className="hint" data-testid={`${m.kind}-crossover`} data-t={m.x?.T ?? ''} data-how={m.x?.how ?? 'none'}>
          {crossingText(m.kind, m.x, rows)}
        </p>
      ))}
      {rows.length > 0 ? (
        <table className="sweep-table" data-testid="decode-sweep-table">
          <thead>
            <tr>
              <th scope="col">L</th>
              {rows.map((r) => (
                <th scope="col" key={r.sweepKey}>
                  {r.sweep}
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
                    <td key={r.sweepKey} title={s?.note} data-testid={`decode-cell-${r.sweepKey}-${T}`} data-ms={p?.median ?? ''}>
                      {p ? formatMs(p.median) : s ? 'skipped' : ''}
                    </td>
                  );
                })}
              </tr>
            ))}
            <tr>
              <th scope="row">exponent</th>
              {rows.map((r) => (
                <td key={r.sweepKey} data-testid={`decode-exponent-${r.sweepKey}`} data-exponent={r.fit?.exponent ?? ''}>
                  {exponentText(r.fit)}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      ) : null}
      {data
        ? data.series
            .filter((s) => s.kind === 'decode' && s.forms)
            .map((s) => (
              <p className="hint" key={s.slot} data-testid={`decode-forms-${s.slot}`}>
                {twoModels ? `${s.slot.toUpperCase()} (${s.model})` : s.model}, decode state by layer run: {s.forms}.
              </p>
            ))
        : null}
      {skipped.length > 0 ? (
        <p className="hint" data-testid="decode-sweep-skipped">
          Skipped: {skipped.join('; ')}.
        </p>
      ) : null}
      <p className="hint">
        <em>Prefill</em> (solid): the forward pass over L tokens at once. <em>Decode</em> (dashed): one step of the decode graph at position L − 1, with a cache or state holding L tokens: what each further token costs once
        the context is there. Attention reads its whole cache at every step, so its step grows with L; a sliding window's stops growing at the window; a recurrent state of fixed size does not grow; a mixer on the
        generic decode form recomputes its context at every step and grows like its forward pass. The exponent k of time ∝ L<sup>k</sup> is fitted over the upper half of the lengths, with its 95% interval.
        {compare ? ' Both models are measured in the same run, alternating at every length; where their curves cross is marked.' : ' In compare mode model B is measured beside this one and the crossovers are marked.'}
      </p>
    </div>
  );
}
