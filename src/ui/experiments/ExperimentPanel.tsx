/**
 * STUB by H-state so the page compiles and e2e/experiments.spec.ts runs before H-ui's panel lands:
 * H-ui's ExperimentPanel.tsx replaces this file whole (keep the data-testids below).
 */
import { useApp } from '../useApp';

export function ExperimentPanel() {
  const x = useApp((s) => s.experiments);
  const act = useApp((s) => s.experimentsActions);
  const busy = x.status === 'running' || x.status === 'stopping';
  return (
    <section className="panel" aria-label="Experiments" data-testid="experiment-panel">
      <h2>Experiments: {x.definition.title}</h2>
      <p data-testid="experiment-status" data-status={x.status} data-runs={x.result?.runs.length ?? 0}>
        {x.status}
      </p>
      <progress data-testid="experiment-progress" max={1} value={x.progress?.fraction ?? (x.status === 'done' ? 1 : 0)} />
      <button type="button" disabled={busy} onClick={() => void act.run()} data-testid="experiment-run">
        Run
      </button>
      <button type="button" disabled={x.status !== 'running'} onClick={() => act.stop()} data-testid="experiment-stop">
        Stop
      </button>
      {x.notice ? <p data-testid="experiment-notice">{x.notice}</p> : null}
      <table data-testid="experiment-results">
        <tbody>
          {(x.result?.runs ?? []).map((r) => (
            <tr key={`${r.variant}-${r.sweep}-${r.seed}`} data-testid="experiment-row" data-status={r.status}>
              <td>{r.label}</td>
              <td>{r.seed}</td>
              <td>{r.status}</td>
              <td>{r.values.map((v) => (v === null ? '—' : v.toFixed(3))).join(', ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
