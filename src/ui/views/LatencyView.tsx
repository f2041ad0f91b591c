/**
 * The forward latency: the median of warm runs of the fast graph (what latency means: no probes)
 * and of the inspect graph (the one the views are drawn from), each labelled with its backend and
 * mode; then, on demand, the time per block and the sweep against sequence length.
 */
import { useApp } from '../useApp';
import { LatencyBreakdown } from './LatencyBreakdown';
import { formatMs, providerName } from './LatencyLabels';
import { LatencySweep } from './LatencySweep';

export function LatencyView() {
  const result = useApp((s) => s.result);
  const inspect = useApp((s) => s.latency.inspect);
  const threads = useApp((s) => (s.runtime.phase === 'ready' ? s.runtime.info.backend.threads : undefined));
  if (!result) {
    return (
      <section className="panel" aria-label="Latency">
        <h2>Latency</h2>
        <p className="hint">Waiting for a result.</p>
      </section>
    );
  }
  const { latency, backend, timings, T } = result.data;
  const inspectNow = inspect && inspect.id === result.data.id ? inspect : null;
  return (
    <section className="panel latency-panel" aria-label="Latency">
      <h2>Latency</h2>
      <p className="latency" data-testid="latency" data-ms={latency.medianMs} data-provider={backend.provider} data-mode={latency.mode}>
        <strong>{formatMs(latency.medianMs)}</strong> <span>on {providerName(backend.provider, backend.threads)}</span>
      </p>
      <dl className="latency-modes">
        <dt>fast</dt>
        <dd data-testid="latency-fast" data-ms={latency.medianMs} data-provider={backend.provider} data-mode="fast">
          {formatMs(latency.medianMs)} · {providerName(backend.provider, backend.threads)} · median of {latency.runs}
        </dd>
        <dt>inspect</dt>
        {inspectNow ? (
          <dd data-testid="latency-inspect" data-ms={inspectNow.medianMs} data-provider={inspectNow.provider} data-mode="inspect">
            {formatMs(inspectNow.medianMs)} · {providerName(inspectNow.provider, inspectNow.provider === backend.provider ? backend.threads : threads)} · median of {inspectNow.runs}
          </dd>
        ) : (
          <dd data-testid="latency-inspect" className="hint-inline">
            measuring…
          </dd>
        )}
      </dl>
      <p className="hint">
        Forward pass at T = {T}, median of warm runs. <em>Fast</em> is the graph without probes, the one latency means; <em>inspect</em> also computes the maps and
        probes the views draw.
        <br />
        Compile {timings.compileMs.toFixed(1)} ms · session {timings.loadMs.toFixed(1)} ms · first inspect run {timings.inspectRunMs.toFixed(1)} ms
      </p>
      <LatencyBreakdown />
      <LatencySweep />
    </section>
  );
}
