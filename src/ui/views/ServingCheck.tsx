/**
 * The projection checked against this browser: the effective FLOP/s calibrated on the fast graph's
 * latency figure at the text's length (src/state/latency.ts), then the compute term, FLOPs / that
 * rate, projected at each length of the latency sweep (when one has run on this model) beside the
 * time measured there. Ratios near 1 say the FLOP count carries the latency; small graphs, whose
 * time is mostly fixed overhead, come out slower than projected. The FLOPs are the compiled fast
 * graphs' exact counts (the worker's answer), not the fit. The decode check waits for a measured
 * decode latency; until then it says so.
 */
import { checkRows } from '../../analysis/serving/measured';
import type { LatencyFigure, LatencyState } from '../../state/latency';
import type { ServingAnswer } from '../../state/store';
import type { Spec } from '../../spec/types';
import { formatMs } from './LatencyLabels';

/** The sweep series of `figure`'s backend, when the sweep on screen measured `spec`. */
const seriesOf = (figure: LatencyFigure | null, sweep: LatencyState['sweep'], spec: Spec) =>
  figure && sweep.phase === 'done' && sweep.spec === spec ? sweep.data.series.find((s) => s.provider === figure.provider) ?? null : null;

/** Lengths whose exact FLOPs the check needs: the figure's, and the sweep's. */
export function checkLengths(figure: LatencyFigure | null, sweep: LatencyState['sweep'], spec: Spec): number[] {
  if (!figure) return [];
  const series = seriesOf(figure, sweep, spec);
  return [...new Set([figure.T, ...(series?.points.filter((p) => p.ms !== null).map((p) => p.T) ?? [])])].sort((x, y) => x - y);
}

export function ServingCheck({ answer, figure, sweep, spec }: { answer: ServingAnswer; figure: LatencyFigure | null; sweep: LatencyState['sweep']; spec: Spec }) {
  const flops = (T: number) => answer.flopsAt.find((f) => f.T === T)?.flops ?? null;
  const calibrationFlops = figure ? flops(figure.T) : null;
  if (!figure || !calibrationFlops) return <p className="hint" data-testid="serving-check">This browser: waiting for the fast graph's latency figure (the latency view measures it after each result).</p>;
  const rate = calibrationFlops / (figure.medianMs / 1000);
  const series = seriesOf(figure, sweep, spec);
  const points = (series?.points ?? []).flatMap((p) => {
    const f = flops(p.T);
    return p.ms !== null && f !== null ? [{ T: p.T, ms: p.medianMs ?? p.ms, amount: f }] : [];
  });
  const rows = points.length ? checkRows(points, rate) : null;
  return (
    <div className="serving-check" data-testid="serving-check" data-rate={rate}>
      <h3>Checked against this browser</h3>
      <p className="hint">
        Measured here: {calibrationFlops.toLocaleString('en')} FLOPs of the fast graph at T = {figure.T} in {formatMs(figure.medianMs)} ({figure.provider}): an effective{' '}
        <strong data-testid="serving-browser-flops">{(rate / 1e9).toPrecision(3)} GFLOP/s</strong>, what this page achieved, far under any peak. Projected time at another length = its FLOPs / this rate.
        {rows ? null : ' Run a latency sweep (Latency view) to see the projection against the times measured at other lengths.'} Decode: no measured decode latency yet, so the memory term is not checked here.
      </p>
      {rows ? (
        <table className="serving-check-table" data-testid="serving-check-table">
          <thead>
            <tr>
              <th scope="col">T</th>
              <th scope="col">projected (compute term)</th>
              <th scope="col">measured</th>
              <th scope="col">measured / projected</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.T} data-t={r.T} data-projected={r.projectedMs} data-measured={r.measuredMs}>
                <td>{r.T}</td>
                <td>{formatMs(r.projectedMs)}</td>
                <td>{formatMs(r.measuredMs)}</td>
                <td>{r.ratio.toFixed(2)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
