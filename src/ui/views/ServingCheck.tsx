/**
 * The projection checked against this browser: the effective FLOP/s calibrated on the fast graph's
 * latency figure at the text's length (src/state/latency.ts), then the compute term, FLOPs / that
 * rate, projected at each length of the latency sweep (when one has run on this model) beside the
 * time measured there. Ratios near 1 say the FLOP count carries the latency; small graphs, whose
 * time is mostly fixed overhead, come out slower than projected. The FLOPs are the compiled fast
 * graphs' exact counts (the worker's answer), not the fit.
 *
 * Decode, once the latency view's decode sweep has run on this model: an effective bandwidth
 * calibrated on its longest context (bytes a step reads, weights and state in float32, over the
 * measured step), then the roofline bound max(FLOPs / rate, bytes / bandwidth) of the projection
 * (projectAt) at each measured context beside the measured step.
 */
import { checkRows, type CheckRow, type Timed } from '../../analysis/serving/measured';
import { projectAt } from '../../analysis/serving/projection';
import type { LatencyFigure, LatencyState } from '../../state/latency';
import type { AppState, ServingAnswer } from '../../state/store';
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

/**
 * The decode check's rows: the measured decode steps of model A (when the decode sweep ran on
 * `spec`), each beside the projection's decode bound with this browser's FLOP/s `rate` and a
 * bandwidth calibrated on the longest measured context; null when nothing was measured.
 */
export function decodeCheck(answer: ServingAnswer, decoded: AppState['decodeMeasured'], spec: Spec, rate: number): { rows: CheckRow[]; bandwidth: number; calibratedAt: number; timed: Timed } | null {
  if (!decoded || JSON.stringify(decoded.spec) !== JSON.stringify(spec) || !answer.model.decode) return null;
  const series = decoded.result.series.find((s) => s.slot === 'a' && s.kind === 'decode');
  const points = (series?.points ?? []).flatMap((p) => (p.ms !== null ? [{ L: p.T, ms: p.medianMs ?? p.ms }] : []));
  if (!points.length) return null;
  const settings = (bandwidth: number) => ({ bytesPerNumber: 4, batch: 1, memoryBytes: Infinity, bandwidth, peakFlops: rate });
  const last = points.reduce((a, p) => (p.L > a.L ? p : a));
  const bytes = projectAt(answer.model, settings(1), last.L).decodeBytes;
  const bandwidth = bytes / (last.ms / 1000);
  const rows = points.map((p) => {
    const projectedMs = projectAt(answer.model, settings(bandwidth), p.L).decode!.boundS * 1000;
    return { T: p.L, projectedMs, measuredMs: p.ms, ratio: p.ms / projectedMs };
  });
  return { rows, bandwidth, calibratedAt: last.L, timed: { T: last.L, ms: last.ms, amount: bytes } };
}

export function ServingCheck({ answer, figure, sweep, spec, decoded }: { answer: ServingAnswer; figure: LatencyFigure | null; sweep: LatencyState['sweep']; spec: Spec; decoded: AppState['decodeMeasured'] }) {
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
  const dec = decodeCheck(answer, decoded, spec, rate);
  return (
    <div className="serving-check" data-testid="serving-check" data-rate={rate}>
      <h3>Checked against this browser</h3>
      <p className="hint">
        Measured here: {calibrationFlops.toLocaleString('en')} FLOPs of the fast graph at T = {figure.T} in {formatMs(figure.medianMs)} ({figure.provider}): an effective{' '}
        <strong data-testid="serving-browser-flops">{(rate / 1e9).toPrecision(3)} GFLOP/s</strong>, what this page achieved, far under any peak. Projected time at another length = its FLOPs / this rate.
        {rows ? null : ' Run a latency sweep (Latency view) to see the projection against the times measured at other lengths.'}
        {dec
          ? ` Decode: an effective bandwidth of ${(dec.bandwidth / 1e9).toPrecision(3)} GB/s, calibrated on the decode step at context ${dec.calibratedAt}; below, the projection's decode bound at each measured context beside the measured step.`
          : ' Decode: run "prefill against decode" in the Latency view to check the decode bound against measured steps.'}
      </p>
      {rows ? <CheckTable rows={rows} length="T" projected="projected (compute term)" testId="serving-check-table" /> : null}
      {dec ? <CheckTable rows={dec.rows} length="context" projected="projected decode step (bound)" testId="serving-decode-check" bandwidth={dec.bandwidth} /> : null}
    </div>
  );
}

/** Projected against measured, one row per length (the prefill and the decode check). */
function CheckTable({ rows, length, projected, testId, bandwidth }: { rows: CheckRow[]; length: string; projected: string; testId: string; bandwidth?: number }) {
  return (
    <table className="serving-check-table" data-testid={testId} data-bandwidth={bandwidth}>
      <thead>
        <tr>
          <th scope="col">{length}</th>
          <th scope="col">{projected}</th>
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
  );
}
