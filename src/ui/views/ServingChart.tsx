/**
 * The serving projection against context length, log-log, one line per model (A, and B in compare
 * mode): the decode bound per token and the memory (weights + state), with the accelerator's
 * memory capacity as a dashed line and the chosen context as a vertical one. Values are on data
 * attributes (tests read numbers, not pixels).
 */
import { scaleLog } from 'd3-scale';
import { line } from 'd3-shape';
import { useEffect, useMemo, useRef } from 'react';
import { chartLengths, projectAt, type ServingModel, type ServingSettings } from '../../analysis/serving/projection';
import { ChartSvg } from './ChartSvg';
import { headColour, inner, joinRows, plotFrame, type Frame } from './chart';
import { decadeLabel, formatDecimalBytes, formatSeconds } from './servingFormat';

const FRAME: Frame = { width: 360, height: 220, margin: { top: 12, right: 12, bottom: 34, left: 62 } };
const LENGTH_TICKS = [1, 32, 1024, 32768, 1 << 20];
const lengthText = (L: number) => (L >= 1 << 20 ? '1M' : L >= 1024 ? `${L / 1024}K` : String(L));

interface Series {
  name: string;
  values: (number | null)[];
}

function draw(svg: SVGSVGElement, lengths: number[], series: Series[], L: number, opts: { yTitle: string; format: (v: number) => string; ceiling?: number }) {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && v > 0));
  if (opts.ceiling) all.push(opts.ceiling);
  if (!all.length) return;
  const { w, h } = inner(FRAME);
  const x = scaleLog().domain([lengths[0]!, lengths.at(-1)!]).range([0, w]);
  const y = scaleLog().domain([Math.min(...all) / 1.5, Math.max(...all) * 1.5]).range([h, 0]);
  const g = plotFrame(svg, FRAME, x, y, { xTitle: 'context L (tokens)', yTitle: opts.yTitle, xTicks: LENGTH_TICKS, xFormat: (v) => lengthText(Number(v)), yFormat: (v) => decadeLabel(opts.format)(Number(v)) });
  if (opts.ceiling) g.append('line').attr('x1', 0).attr('x2', w).attr('y1', y(opts.ceiling)).attr('y2', y(opts.ceiling)).attr('stroke', 'currentColor').attr('stroke-dasharray', '4 3').attr('data-testid', 'serving-capacity');
  g.append('line').attr('x1', x(L)).attr('x2', x(L)).attr('y1', 0).attr('y2', h).attr('stroke', 'currentColor').attr('stroke-opacity', 0.4);
  series.forEach((s, i) => {
    const pts: [number, number][] = [];
    lengths.forEach((l, k) => {
      const v = s.values[k];
      if (v !== null && v !== undefined && v > 0) pts.push([l, v]);
    });
    const path = line<[number, number]>()
      .x((p) => x(p[0]))
      .y((p) => y(p[1]))(pts);
    g.append('path').attr('d', path ?? '').attr('fill', 'none').attr('stroke', headColour(i)).attr('stroke-width', 2).attr('data-series', s.name);
    g.append('text').attr('x', w - 4).attr('y', 12 + 12 * i).attr('text-anchor', 'end').attr('fill', headColour(i)).attr('font-size', 11).text(s.name);
  });
  svg.dataset['lengths'] = lengths.join(',');
  svg.dataset['values'] = joinRows(series.map((s) => s.values.map((v) => v ?? NaN)));
}

export function ServingChart({ models, settings, L }: { models: { name: string; m: ServingModel }[]; settings: ServingSettings; L: number }) {
  const decodeRef = useRef<SVGSVGElement>(null);
  const memoryRef = useRef<SVGSVGElement>(null);
  const lengths = useMemo(() => chartLengths(), []);
  const data = useMemo(
    () =>
      models.map(({ name, m }) => {
        const points = lengths.map((l) => projectAt(m, settings, l));
        return { name, decode: points.map((p) => p.decode?.boundS ?? null), memory: points.map((p) => p.memoryBytes) };
      }),
    [models, settings, lengths],
  );
  useEffect(() => {
    if (decodeRef.current) draw(decodeRef.current, lengths, data.map((d) => ({ name: d.name, values: d.decode })), L, { yTitle: 'decode time per token ≥', format: formatSeconds });
    if (memoryRef.current) draw(memoryRef.current, lengths, data.map((d) => ({ name: d.name, values: d.memory })), L, { yTitle: 'memory (weights + state)', format: formatDecimalBytes, ceiling: Number.isFinite(settings.memoryBytes) ? settings.memoryBytes : undefined });
  }, [data, lengths, L, settings.memoryBytes]);
  return (
    <div className="serving-charts">
      <ChartSvg svgRef={decodeRef} frame={FRAME} testId="serving-decode-chart" label="Decode time per token (roofline lower bound) against context length, log-log" shown={data.length > 0} />
      <ChartSvg svgRef={memoryRef} frame={FRAME} testId="serving-memory-chart" label="Memory of weights and decode state against context length, log-log, with the accelerator's capacity dashed" shown={data.length > 0} />
    </div>
  );
}
