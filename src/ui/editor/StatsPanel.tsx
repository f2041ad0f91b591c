/**
 * Live model statistics from the cost model, computed in the worker on the graphs it compiles:
 * parameters, FLOPs at the current T, activation memory, inspect outputs, and the memory budget.
 * The per-block rows are the compiled graph's scopes, so they show what was really built.
 */
import { selectInput } from '../../state/store';
import { formatBytes, formatCount } from '../../spec/units';
import { useApp } from '../useApp';

export function StatsPanel() {
  const stats = useApp((s) => s.stats);
  const current = useApp((s) => !!s.stats && s.stats.spec === s.spec && s.stats.T === selectInput(s).ids.length);
  const memory = useApp((s) => s.memory);
  if (!stats) {
    return (
      <section className="panel stats" aria-label="Model statistics" data-testid="stats" data-state="waiting">
        <h2>Statistics</h2>
        <p className="hint">Computed once the model is compiled.</p>
      </section>
    );
  }
  const d = stats.data;
  const share = Math.min(1, d.peakBytes / d.budgetBytes);
  return (
    <section className={`panel stats${d.over ? ' over' : ''}`} aria-label="Model statistics" data-testid="stats" data-state={current ? 'current' : 'stale'} data-params={d.params} data-flops={d.flops} data-peak-bytes={d.peakBytes} data-over={d.over}>
      <h2>Statistics</h2>
      <dl className="stats-grid">
        <dt>Parameters</dt>
        <dd>{formatCount(d.params)}</dd>
        <dt>FLOPs at T = {d.T}</dt>
        <dd>{formatCount(d.flops)}</dd>
        <dt>Activations</dt>
        <dd>{formatBytes(d.activationBytes)}</dd>
        <dt>Inspect outputs</dt>
        <dd>{formatBytes(d.inspectOutputBytes)}</dd>
        <dt>Peak memory (est.)</dt>
        <dd>
          {formatBytes(d.peakBytes)} of {formatBytes(d.budgetBytes)}
        </dd>
        {memory ? (
          <>
            <dt title="Measured in the worker after the last run: onnxruntime-web's WebAssembly heap (it grows and never shrinks) and the worker's JavaScript heap">Runtime memory now</dt>
            <dd data-testid="runtime-memory" data-wasm-bytes={memory.wasmBytes ?? ''} data-js-heap-bytes={memory.jsHeapBytes ?? ''} data-sessions={memory.sessions} data-result-id={memory.resultId}>
              {memory.wasmBytes !== null ? `${formatBytes(memory.wasmBytes)} WASM heap` : 'WASM heap not visible'}
              {memory.jsHeapBytes !== null ? ` · ${formatBytes(memory.jsHeapBytes)} JS` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      <div className="budget-bar" role="meter" aria-label="Estimated peak memory against the budget" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(share * 100)}>
        <span style={{ width: `${share * 100}%` }} />
      </div>
      {d.over ? (
        <div className="budget-refused" role="alert" data-testid="budget-refused">
          <strong>Over the memory budget: not compiled.</strong>
          <ul>
            {d.advice.map((a) => (
              <li key={a}>{a}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <details className="stats-blocks">
        <summary>Per block</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">block</th>
              <th scope="col">params</th>
              <th scope="col">FLOPs</th>
            </tr>
          </thead>
          <tbody>
            {d.blocks.map((b) => (
              <tr key={b.scope} data-scope={b.scope}>
                <th scope="row">{b.scope}</th>
                <td>{formatCount(b.params)}</td>
                <td>{formatCount(b.flops)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}
