/**
 * Where the forward time goes, block by block: each block (scope) of the fast graph timed alone as
 * a sub-graph at the text's length, less the fixed cost of a run, as horizontal bars; the whole
 * graph's time beside their sum gives the method's error. Run on demand (it loads one session per
 * block). Drawn with D3 after each render; the numbers are on data attributes.
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import { useEffect, useRef } from 'react';
import type { BreakdownResult } from '../../state/latency';
import { useApp } from '../useApp';
import { chartDocument, headColour, inner, plotFrame, type Frame } from './chart';
import { ExportButtons } from './ExportButtons';
import { formatMs, providerName } from './LatencyLabels';

const ROW = 17;
const MARGIN = { top: 8, right: 58, bottom: 34, left: 150 };
/** The row for the fixed cost of a run, which the blocks' sum includes once. */
const OVERHEAD = 'fixed cost of a run';

/** Bar colours by slot, as the palette's chips have them. */
function slotColour(scope: string): string {
  if (scope.includes('mixer: ')) return headColour(0);
  if (scope.includes('ffn: ')) return headColour(3);
  if (scope.includes('norm: ')) return headColour(2);
  if (scope.includes('position: ')) return headColour(1);
  return '#8a93a3';
}

/**
 * A scope as a short label: "layer 2, pass 3 · mixer: x" → "L2.3 mixer: x"; a layer's own scope
 * holds its residual additions, and "model" (no scope) the renaming of the outputs.
 */
function shortScope(scope: string): string {
  if (scope === 'model') return 'outputs';
  const m = /^layer (\d+)(?:, pass (\d+))?(?: · (.*))?$/.exec(scope);
  if (!m) return scope;
  return `L${m[1]}${m[2] ? `.${m[2]}` : ''} ${m[3] ?? 'residual'}`;
}

function drawBreakdown(svg: SVGSVGElement, r: BreakdownResult) {
  const rows = [...r.blocks.map((b) => ({ scope: b.scope, ms: b.ms })), { scope: OVERHEAD, ms: r.overheadMs }];
  const frame: Frame = { width: 400, height: MARGIN.top + MARGIN.bottom + rows.length * ROW, margin: MARGIN };
  const { w } = inner(frame);
  const x = scaleLinear().domain([0, Math.max(1e-3, ...rows.map((b) => b.ms))]).range([0, w]).nice();
  const y = scaleBand<string>().domain(rows.map((b) => b.scope)).range([0, rows.length * ROW]).padding(0.2);
  const g = plotFrame(svg, frame, x, y, { xTitle: `ms at T = ${r.T}, ${providerName(r.provider)}`, yTitle: '', yFormat: (s) => (s === OVERHEAD ? s : shortScope(s)), yTicks: rows.length });
  const bar = g.selectAll('g.bar').data(rows).join('g').attr('class', 'bar').attr('transform', (b) => `translate(0,${y(b.scope)})`);
  bar
    .append('rect')
    .attr('width', (b) => Math.max(0.5, x(b.ms)))
    .attr('height', y.bandwidth())
    .attr('fill', (b) => slotColour(b.scope))
    .append('title')
    .text((b) => `${b.scope}: ${formatMs(b.ms)}`);
  bar
    .append('text')
    .attr('x', (b) => x(b.ms) + 3)
    .attr('y', y.bandwidth() / 2)
    .attr('dy', '0.35em')
    .attr('fill', 'currentColor')
    .text((b) => formatMs(b.ms));
  Object.assign(svg.dataset, {
    values: JSON.stringify(r.blocks.map((b) => ({ scope: b.scope, ms: b.ms, rawMs: b.rawMs }))),
    wholeMs: String(r.wholeMs),
    sumMs: String(r.sumMs),
    overheadMs: String(r.overheadMs),
    gap: String(r.gap),
    provider: r.provider,
    t: String(r.T),
  });
}

export function LatencyBreakdown() {
  const breakdown = useApp((s) => s.latency.breakdown);
  const resultSpec = useApp((s) => s.result?.spec ?? null);
  const { runBreakdown } = useApp((s) => s.latencyActions);
  const svgRef = useRef<SVGSVGElement>(null);
  const data = breakdown.phase === 'done' ? breakdown.data : null;
  useEffect(() => {
    if (data) drawBreakdown(svgRef.current!, data);
  }, [data]);

  const running = breakdown.phase === 'running';
  const stale = breakdown.phase !== 'idle' && breakdown.spec !== resultSpec;
  return (
    <div className="latency-part" aria-label="Per-block breakdown" role="group">
      <div className="latency-head">
        <h3>Per block</h3>
        <button type="button" onClick={runBreakdown} disabled={running || !resultSpec} data-testid="breakdown-run">
          {running ? 'timing blocks…' : data ? 'Time again' : 'Time each block'}
        </button>
        <ExportButtons name="latency-breakdown" svg={() => chartDocument(svgRef.current)} />
      </div>
      {breakdown.phase === 'failed' ? <p className="latency-error">The breakdown failed: {breakdown.message}</p> : null}
      <svg ref={svgRef} className="chart latency-chart" data-testid="latency-breakdown" role="img" aria-label="Milliseconds per block of the fast graph" style={data ? undefined : { display: 'none' }} />
      {data ? (
        <p className="hint" data-testid="breakdown-summary">
          Blocks add up to {formatMs(data.sumMs)} (with one run's fixed cost of {formatMs(data.overheadMs)}); the whole graph takes {formatMs(data.wholeMs)}: a gap of{' '}
          {data.gap >= 0 ? '+' : '−'}
          {Math.abs(data.gap * 100).toFixed(0)}%, the error of timing blocks apart. Fastest median of {data.runs} warm runs, two rounds, per block.
          {stale ? ' Measured on an earlier version of the model: time again.' : ''}
        </p>
      ) : (
        <p className="hint">Times each block of the fast graph alone, at the length of your text. It loads one session per block, so it runs when you ask.</p>
      )}
    </div>
  );
}
