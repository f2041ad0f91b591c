/**
 * The forward latency: the median of warm runs of the fast graph (what latency means: no probes)
 * and of the inspect graph (the one the views are drawn from), each with the spread of its runs
 * (interquartile range and min–max) and labelled with its backend and mode; then, on demand, the
 * time per block, the sweep against sequence length, and prefill against decode (DecodeSweep).
 */
import { spreadOf } from '../../analysis/spread';
import type { LatencyFigure } from '../../state/latency';
import { useApp, useDeferredResult } from '../useApp';
import { LatencyBreakdown } from './LatencyBreakdown';
import { formatMs, providerName, spreadData, spreadText } from './LatencyLabels';
import { LatencySweep } from './LatencySweep';
import { DecodeSweep } from './DecodeSweep';
import { WaitingHint } from './Waiting';
import { PlaygroundOnly } from '../opened/PlaygroundOnly';

/** One latency figure with its backend and runs, or "measuring…" until it comes. */
function FigureRow({ mode, figure, threads }: { mode: 'fast' | 'inspect'; figure: LatencyFigure | null; threads: number | null | undefined }) {
  if (!figure)
    return (
      <dd data-testid={`latency-${mode}`} className="hint-inline">
        measuring…
      </dd>
    );
  const spread = spreadOf(figure.samplesMs);
  return (
    <dd data-testid={`latency-${mode}`} data-ms={figure.medianMs} data-provider={figure.provider} data-mode={mode} {...spreadData(figure.samplesMs)}>
      {formatMs(figure.medianMs)} · {providerName(figure.provider, threads ?? undefined)} · median of {figure.runs}
      {spread ? <span className="latency-spread"> ({spreadText(spread)})</span> : null}
    </dd>
  );
}

export function LatencyView() {
  const result = useDeferredResult();
  const inspect = useApp((s) => s.latency.inspect);
  const fast = useApp((s) => s.latency.fast);
  const threads = useApp((s) => (s.runtime.phase === 'ready' ? s.runtime.info.backend.threads : undefined));
  if (!result) {
    return (
      <section className="panel" aria-label="Latency">
        <h2>Latency</h2>
        <WaitingHint />
      </section>
    );
  }
  const { backend, timings, T } = result.data;
  const inspectNow = inspect && inspect.id === result.data.id ? inspect : null;
  const fastNow = fast && fast.id === result.data.id ? fast : null;
  const fastSpread = fastNow ? spreadOf(fastNow.samplesMs) : null;
  const threadsOf = (provider: typeof backend.provider) => (provider === backend.provider ? backend.threads : threads);
  return (
    <section className="panel latency-panel" aria-label="Latency">
      <h2>Latency</h2>
      {fastNow ? (
        <p className="latency" data-testid="latency" data-ms={fastNow.medianMs} data-provider={fastNow.provider} data-mode="fast" {...spreadData(fastNow.samplesMs)}>
          <strong>{formatMs(fastNow.medianMs)}</strong> <span>on {providerName(fastNow.provider, threadsOf(fastNow.provider))}</span>
          {fastSpread ? <span className="latency-spread"> · middle half of runs {formatMs(fastSpread.q1)} to {formatMs(fastSpread.q3)}</span> : null}
        </p>
      ) : (
        <p className="latency hint-inline" data-testid="latency">
          measuring…
        </p>
      )}
      <dl className="latency-modes">
        <dt>fast</dt>
        <FigureRow mode="fast" figure={fastNow} threads={fastNow && threadsOf(fastNow.provider)} />
        <dt>inspect</dt>
        <FigureRow mode="inspect" figure={inspectNow} threads={inspectNow && threadsOf(inspectNow.provider)} />
      </dl>
      {result.opened ? (
        <p className="hint" data-testid="latency-opened">
          Opened model: fast = the model as given; inspect = with the attention taps (every attention Softmax added as an output).
        </p>
      ) : null}
      <p className="hint">
        Forward pass at T = {T}, median of warm runs with their spread (IQR: the middle half of the runs; more runs are taken while it is wider than 10% of the median), measured after the maps are drawn. <em>Fast</em> is the graph without probes, the one latency means;{' '}
        <em>inspect</em> also computes the maps and probes the views draw.
        <br />
        <span data-testid="latency-timings" data-reused={timings.reused} data-fed={Boolean(timings.fed)} data-compile-ms={timings.compileMs} data-load-ms={timings.loadMs} data-run-ms={timings.inspectRunMs}>
          {timings.reused && timings.fed
            ? `Same graph and length as before: its session was reused, fed the new seed's weights (${timings.compileMs.toFixed(1)} ms) · inspect run ${timings.inspectRunMs.toFixed(1)} ms`
            : timings.reused
            ? `Same model and length as before: its session was reused · inspect run ${timings.inspectRunMs.toFixed(1)} ms`
            : `Compile ${timings.compileMs.toFixed(1)} ms · session ${timings.loadMs.toFixed(1)} ms · first inspect run ${timings.inspectRunMs.toFixed(1)} ms`}
        </span>
      </p>
      <PlaygroundOnly what="Time per block, the sweep against length, and prefill against decode">
        <LatencyBreakdown />
        <LatencySweep />
        <DecodeSweep />
      </PlaygroundOnly>
    </section>
  );
}
