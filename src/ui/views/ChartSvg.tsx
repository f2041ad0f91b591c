/** The SVG element of a D3 chart: sized by its frame, described for screen readers, hidden until it has data. */
import type { RefObject } from 'react';
import type { Frame } from './chart';

export function ChartSvg(props: { svgRef: RefObject<SVGSVGElement | null>; frame: Frame; testId: string; label: string; shown: boolean }) {
  const { svgRef, frame, testId, label, shown } = props;
  return (
    <svg
      ref={svgRef}
      className="chart-svg"
      width={frame.width}
      height={frame.height}
      data-testid={testId}
      role="img"
      aria-label={label}
      style={shown ? undefined : { display: 'none' }}
    />
  );
}
