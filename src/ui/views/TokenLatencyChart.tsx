/**
 * Per-token latency of a continuation, drawn live: the wall time of each step (ms) against the
 * position it read. Prompt steps (the text fed into the decode graph's cache) are hollow grey
 * circles, steps that chose a token filled; steps that ran the forward pass (a model that cannot
 * decode, or past maxLen) are orange squares. The numbers are on data attributes, one per point.
 */
import { scaleLinear } from 'd3-scale';
import { useEffect, useRef } from 'react';
import type { TokenStep } from '../../state/store';
import { inner, plotFrame, type Frame } from './chart';
import { formatMs } from './LatencyLabels';

const FRAME: Frame = { width: 420, height: 150, margin: { top: 8, right: 12, bottom: 32, left: 50 } };
const DECODE = '#0072b2'; // Okabe–Ito blue
const FORWARD = '#e69f00'; // Okabe–Ito orange

function draw(svg: SVGSVGElement, steps: readonly TokenStep[], lastPosition: number) {
  const { w, h } = inner(FRAME);
  const x = scaleLinear().domain([0, Math.max(1, lastPosition)]).range([0, w]);
  const top = Math.max(...steps.map((s) => s.ms), 0.01);
  const y = scaleLinear().domain([0, top * 1.1]).range([h, 0]).nice();
  const g = plotFrame(svg, FRAME, x, y, { xTitle: 'position of the token read', yTitle: 'ms per token', yTicks: 4, xFormat: (v) => String(v) });
  const title = (s: TokenStep) => `position ${s.position}: ${formatMs(s.ms)} (${s.path === 'decode' ? 'decode step' : 'forward pass'}${s.prompt ? ', prompt' : ''})`;
  for (const s of steps) {
    const [cx, cy] = [x(s.position), y(s.ms)];
    const mark = s.path === 'forward' ? g.append<SVGElement>('rect').attr('x', cx - 2.5).attr('y', cy - 2.5).attr('width', 5).attr('height', 5) : g.append<SVGElement>('circle').attr('cx', cx).attr('cy', cy).attr('r', 2.5);
    const colour: string = s.path === 'forward' ? FORWARD : s.prompt ? '#8a8a8a' : DECODE;
    mark.attr('fill', s.prompt ? 'none' : colour).attr('stroke', colour);
    mark.attr('class', 'token-step').attr('data-kind', s.prompt ? 'prompt' : 'generated').append('title').text(title(s));
  }
}

/** The chart; `lastPosition` fixes the x axis to the whole run, so points do not move while they come. */
export function TokenLatencyChart({ steps, lastPosition }: { steps: readonly TokenStep[]; lastPosition: number }) {
  const ref = useRef<SVGSVGElement>(null);
  useEffect(() => {
    if (ref.current) draw(ref.current, steps, lastPosition);
  }, [steps, lastPosition]);
  const made = steps.filter((s) => !s.prompt);
  const decodeMade = made.filter((s) => s.path === 'decode').map((s) => s.ms);
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  return (
    <figure className="token-latency">
      <svg
        ref={ref}
        className="chart"
        role="img"
        aria-label="Milliseconds per token against position"
        data-testid="token-latency-chart"
        data-points={steps.map((s) => `${s.position}:${s.ms.toPrecision(4)}:${s.prompt ? 'prompt' : 'generated'}:${s.path}`).join(';')}
        data-prompt={steps.length - made.length}
        data-generated={made.length}
      />
      <figcaption className="hint">
        <span style={{ color: '#8a8a8a' }}>○</span> prompt token read into the cache · <span style={{ color: DECODE }}>●</span> decode step that chose a token ·{' '}
        <span style={{ color: FORWARD }}>■</span> forward pass over the text (compile not counted)
        {decodeMade.length > 1 ? ` · decode steps: mean ${formatMs(mean(decodeMade))}, last ${formatMs(decodeMade.at(-1)!)}` : ''}
      </figcaption>
    </figure>
  );
}
