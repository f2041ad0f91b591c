/**
 * Layer run × head heatmap of mean entropy as a fraction of uniform (viridis), drawn with D3 after
 * each render. A click on a cell, or the arrow keys while the chart has focus, selects that layer
 * run and head. The values drawn are written to the SVG's data-values, one row per layer run.
 */
import { interpolateViridis } from 'd3-scale-chromatic';
import { select } from 'd3-selection';
import { useEffect, useMemo, useRef } from 'react';
import { headEntropyGrid, type HeadEntropy } from '../../analysis/entropy';
import type { AppState } from '../../state/store';
import { useApp } from '../useApp';
import { chartDocument, entropyColour, joinRows, legendMarkup, percent } from './chart';
import { ExportButtons } from './ExportButtons';

type Result = NonNullable<AppState['result']>;

const LEFT = 34;
const TOP = 18;
const LEGEND = 30;

/** Cell size for `runs` × `heads` cells: at most 30 × 18 px, narrower when there are many heads. */
const cellSize = (heads: number) => ({ w: Math.max(12, Math.min(30, Math.floor(330 / heads))), h: 18 });

function drawHeatmap(svg: SVGSVGElement, grid: HeadEntropy[][], layer: number, head: number, pick: (layer: number, head: number) => void) {
  const heads = grid[0]?.length ?? 0;
  const { w, h } = cellSize(heads);
  const root = select(svg);
  root.selectAll('*').remove();
  const cells = grid.flatMap((row, r) => row.map((e) => ({ r, h: e.head, f: e.meanFraction })));
  const g = root.append('g').attr('transform', `translate(${LEFT},${TOP})`);
  g.selectAll('rect.cell')
    .data(cells)
    .join('rect')
    .attr('class', (d) => (d.r === layer && d.h === head ? 'cell selected' : 'cell'))
    .attr('x', (d) => d.h * w)
    .attr('y', (d) => d.r * h)
    .attr('width', w - 1)
    .attr('height', h - 1)
    .attr('fill', (d) => entropyColour(d.f))
    .on('click', (_, d) => pick(d.r, d.h))
    .append('title')
    .text((d) => `layer ${d.r}, head ${d.h}: ${percent(d.f)} of uniform`);
  // The selected cell's outline on top of its neighbours.
  g.append('rect').attr('class', 'cell-outline').attr('fill', 'none').attr('stroke', 'currentColor').attr('stroke-width', 2).attr('x', head * w - 1).attr('y', layer * h - 1).attr('width', w + 1).attr('height', h + 1);
  const step = Math.max(1, Math.ceil(heads / 16));
  for (let k = 0; k < heads; k += step) g.append('text').attr('fill', 'currentColor').attr('x', k * w + w / 2).attr('y', -5).attr('text-anchor', 'middle').text(`h${k}`);
  grid.forEach((_, r) => g.append('text').attr('fill', 'currentColor').attr('x', -5).attr('y', r * h + h / 2 + 3).attr('text-anchor', 'end').text(`L${r}`));
  const legendY = grid.length * h + 10;
  g.append('g').html(legendMarkup('entropy-heatmap-gradient', 26, legendY, 120, interpolateViridis, '0%', '100%'));

  const values = grid.map((row) => row.map((e) => e.meanFraction));
  Object.assign(svg.dataset, { layers: String(grid.length), heads: String(heads), layer: String(layer), head: String(head), values: joinRows(values) });
}

export function EntropyHeatmap({ result, layer, head }: { result: Result; layer: number; head: number }) {
  const selectView = useApp((s) => s.selectView);
  const svgRef = useRef<SVGSVGElement>(null);
  const grid = useMemo(() => {
    const { entropy, support, nHeads, T } = result.data;
    return headEntropyGrid(entropy, support, nHeads, T);
  }, [result]);

  useEffect(() => {
    const pick = (r: number, h: number) => {
      selectView(r, h);
    };
    drawHeatmap(svgRef.current!, grid, layer, head, pick);
  }, [grid, layer, head, selectView]);

  const runs = grid.length;
  const heads = result.data.nHeads;
  const onKey = (e: React.KeyboardEvent) => {
    const moves: Record<string, [number, number]> = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    const m = moves[e.key];
    if (!m) return;
    e.preventDefault();
    selectView(Math.min(runs - 1, Math.max(0, layer + m[0])), Math.min(heads - 1, Math.max(0, head + m[1])));
  };
  const { w, h } = cellSize(heads);
  const selected = grid[layer]?.[head]?.meanFraction ?? NaN;
  return (
    <figure className="chart">
      <figcaption className="chart-head">
        <span>Every layer run and head</span>
        <ExportButtons name="entropy-heatmap" svg={() => chartDocument(svgRef.current)} />
      </figcaption>
      <svg
        ref={svgRef}
        className="chart-svg heatmap"
        width={Math.max(LEFT + heads * w + 8, 220)}
        height={TOP + runs * h + LEGEND}
        data-testid="entropy-heatmap"
        role="group"
        tabIndex={0}
        aria-label={`Mean entropy as a fraction of uniform, by layer run (rows) and head (columns). Selected: layer ${layer}, head ${head}, ${percent(selected)}. Arrow keys move the selection.`}
        onKeyDown={onKey}
      />
      <p className="hint">Each cell is a head's mean entropy as a fraction of uniform, as in the list above. Click a cell, or use the arrow keys, to show that head.</p>
    </figure>
  );
}
