/**
 * How large the residual stream grows with depth: the RMS of each position's residual vector after
 * the embeddings and after every layer run, as the mean over positions (line) and the range from
 * the smallest to the largest position (band). Where the norm sits (Post-, Pre-, Peri-LN) decides
 * whether it stays flat or grows. Drawn with D3 after each render; the values are on data-values.
 */
import { area, line } from 'd3-shape';
import { scaleLinear } from 'd3-scale';
import { useEffect, useMemo, useRef } from 'react';
import { residualSummary, type ResidualStat } from '../../analysis/residual';
import { PLACEMENT_NAMES as PLACEMENT } from '../../spec/catalog';
import { useDeferredResult } from '../useApp';
import { chartDocument, everyKth, inner, joinValues, MARK_BLUE, plotFrame, type Frame } from './chart';
import { ChartSvg } from './ChartSvg';
import { ExportButtons } from './ExportButtons';
import { WaitingHint } from './Waiting';

const FRAME: Frame = { width: 400, height: 200, margin: { top: 12, right: 14, bottom: 34, left: 50 } };

/** Depth d on the x axis: 0 is after the embeddings, d is after layer run d − 1. */
const depthLabel = (d: number) => (d === 0 ? 'emb' : String(d - 1));

function drawResidual(svg: SVGSVGElement, stats: ResidualStat[]) {
  const n = stats.length;
  const { w, h } = inner(FRAME);
  const top = Math.max(...stats.map((s) => s.max), 1e-6);
  const x = scaleLinear().domain([0, Math.max(1, n - 1)]).range([0, w]);
  const y = scaleLinear().domain([0, top * 1.08]).range([h, 0]).nice();
  const g = plotFrame(svg, FRAME, x, y, { xTitle: 'after layer run (emb: the embeddings)', yTitle: 'RMS of the residual', xTicks: everyKth(n, 16), xFormat: depthLabel });
  const band = area<ResidualStat>()
    .x((_, d) => x(d))
    .y0((s) => y(s.min))
    .y1((s) => y(s.max));
  const mean = line<ResidualStat>()
    .x((_, d) => x(d))
    .y((s) => y(s.mean));
  g.append('path').attr('class', 'band').attr('fill', MARK_BLUE).attr('fill-opacity', 0.25).attr('d', band(stats));
  g.append('path').attr('class', 'series').attr('fill', 'none').attr('stroke', MARK_BLUE).attr('stroke-width', 2.2).attr('d', mean(stats));
  g.selectAll('circle.point')
    .data(stats)
    .join('circle')
    .attr('class', 'point')
    .attr('fill', MARK_BLUE)
    .attr('cx', (_, d) => x(d))
    .attr('cy', (s) => y(s.mean))
    .attr('r', 3)
    .append('title')
    .text((s, d) => `after ${d === 0 ? 'the embeddings' : `layer run ${d - 1}`}: mean RMS ${s.mean.toFixed(3)} (positions from ${s.min.toFixed(3)} to ${s.max.toFixed(3)})`);
  Object.assign(svg.dataset, {
    depths: String(n),
    values: joinValues(stats.map((s) => s.mean)),
    min: joinValues(stats.map((s) => s.min)),
    max: joinValues(stats.map((s) => s.max)),
  });
}

export function ResidualView() {
  const result = useDeferredResult();
  const svgRef = useRef<SVGSVGElement>(null);
  const stats = useMemo(() => (result ? residualSummary(result.data.residRms, result.data.T) : []), [result]);
  useEffect(() => {
    if (stats.length > 0) drawResidual(svgRef.current!, stats);
  }, [stats]);
  const placements = result ? [...new Set(result.spec.layers.map((l) => PLACEMENT[l.placement] ?? l.placement))] : [];
  const growth = stats.length > 1 ? stats[stats.length - 1]!.mean / stats[0]!.mean : NaN;

  return (
    <section className="panel" aria-label="Residual stream">
      <div className="panel-head">
        <h2>Residual stream</h2>
        {placements.length > 0 ? (
          <span className="badge" data-testid="residual-placement" title="Where the norms sit in the layers">
            {placements.length === 1 ? placements[0] : `mixed: ${placements.join(', ')}`}
          </span>
        ) : null}
        <ExportButtons name="residual" svg={() => chartDocument(svgRef.current)} />
      </div>
      {!result ? <WaitingHint /> : null}
      <ChartSvg
        svgRef={svgRef}
        frame={FRAME}
        testId="residual"
        shown={result !== null}
        label={
          stats.length > 0
            ? `RMS of the residual stream: ${stats[0]!.mean.toFixed(3)} after the embeddings, ${stats[stats.length - 1]!.mean.toFixed(3)} after the last layer run`
            : 'RMS of the residual stream: no result yet'
        }
      />
      {result ? (
        <p className="hint">
          Line: mean over positions; band: smallest to largest position. From the embeddings to the last layer run the mean changes {growth.toFixed(2)}×.
          With Post-LN the norm after each addition keeps it near 1; with Pre-LN every layer adds to an unnormalised stream, so it tends to grow with
          depth by whatever the weights add; Peri-LN normalises each sub-block's output, so each layer adds a fixed amount whatever the weights.
        </p>
      ) : null}
    </section>
  );
}
