/** The forward latency: median of warm runs of the fast path, with the backend it ran on. */
import { useApp } from '../useApp';

export function LatencyView() {
  const result = useApp((s) => s.result);
  if (!result) {
    return (
      <section className="panel" aria-label="Latency">
        <h2>Latency</h2>
        <p className="hint">Waiting for a result.</p>
      </section>
    );
  }
  const { latency, backend, timings, T } = result.data;
  const provider = backend.provider === 'webgpu' ? 'WebGPU' : `WASM, ${backend.threads} thread${backend.threads === 1 ? '' : 's'}`;
  return (
    <section className="panel" aria-label="Latency">
      <h2>Latency</h2>
      <p className="latency" data-testid="latency" data-ms={latency.medianMs} data-provider={backend.provider}>
        <strong>{latency.medianMs < 1 ? latency.medianMs.toFixed(3) : latency.medianMs.toFixed(2)} ms</strong> <span>on {provider}</span>
      </p>
      <p className="hint">
        Forward pass at T = {T}, fast path, median of {latency.runs} warm runs.
        <br />
        Compile {timings.compileMs.toFixed(1)} ms · session {timings.loadMs.toFixed(1)} ms · inspect run {timings.inspectRunMs.toFixed(1)} ms
      </p>
    </section>
  );
}
