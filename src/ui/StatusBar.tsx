/**
 * The one place status lives: runtime loading (with download progress), what the model's run is
 * doing, errors (the model's, the runtime's, or a part of the page that failed to draw), what
 * last happened to the runtime (a worker restarted, a switch of backend), and the backend in use,
 * with the choice of backend.
 */
import type { AppState, BackendChoice } from '../state/store';
import { formatBytes } from '../spec/units';
import { useApp } from './useApp';

const CHOICES: { value: BackendChoice; label: string }[] = [
  { value: 'auto', label: 'Auto (WebGPU if available)' },
  { value: 'wasm', label: 'WASM' },
  { value: 'webgpu', label: 'WebGPU' },
];

/**
 * What the status line says, and its tone: the runtime loading or failed, the run's stage or
 * failure, a part of the page that failed to draw, or "ready".
 */
export function statusLine(s: Pick<AppState, 'runtime' | 'run' | 'viewFailures'>): { text: string; tone: 'busy' | 'ok' | 'error' } {
  const { runtime, run } = s;
  if (runtime.phase === 'loading') {
    const { loaded, total } = runtime;
    const progress = loaded === undefined ? '' : total ? ` ${formatBytes(loaded)} of ${formatBytes(total)}` : ` ${formatBytes(loaded)}`;
    return { text: `loading the runtime…${progress}`, tone: 'busy' };
  }
  if (runtime.phase === 'failed') return { text: runtime.message, tone: 'error' };
  if (run.phase === 'running') return { text: run.stage === 'running' ? 'running the model…' : run.stage === 'compiling' ? 'compiling…' : 'running…', tone: 'busy' };
  if (run.phase === 'failed') return { text: `the model could not run: ${run.message}`, tone: 'error' };
  const failed = s.viewFailures[0];
  if (failed) {
    const more = s.viewFailures.length > 1 ? ` (and ${s.viewFailures.length - 1} more part${s.viewFailures.length > 2 ? 's' : ''})` : '';
    return { text: `the ${failed.what} could not be drawn: ${failed.message}${more}`, tone: 'error' };
  }
  return { text: 'ready', tone: 'ok' };
}

export function StatusBar() {
  const runtime = useApp((s) => s.runtime);
  const run = useApp((s) => s.run);
  const viewFailures = useApp((s) => s.viewFailures);
  const change = useApp((s) => s.runtimeChange);
  const workerBusy = useApp((s) => s.workerBusy);
  const choice = useApp((s) => s.backendChoice);
  const setBackend = useApp((s) => s.setBackend);
  const precomputed = useApp((s) => Boolean(s.result?.precomputed));

  const { text: status, tone } = statusLine({ runtime, run, viewFailures });

  const info = runtime.phase === 'ready' ? runtime.info : null;
  const b = info?.backend;
  const loading = runtime.phase === 'loading' && runtime.total ? runtime : null;
  return (
    <div className="statusbar">
      <span className={`status status-${tone}`} role="status" aria-live="polite" data-testid="status" data-phase={tone} data-stage={run.phase === 'running' ? (run.stage ?? '') : ''} data-worker-busy={workerBusy}>
        {status}
      </span>
      {loading && <progress className="runtime-progress" max={loading.total ?? 1} value={loading.loaded ?? 0} aria-label="Runtime download" data-testid="runtime-progress" />}
      {precomputed && (
        <span className="precomputed" data-testid="precomputed" title="The default model's maps of the default text, computed when the app was built by the same compiler; the live run in this browser replaces them.">
          precomputed at build time
        </span>
      )}
      {change && (
        <span className={`runtime-change runtime-change-${change.tone}`} role="status" data-testid="runtime-change" data-tone={change.tone} key={change.id}>
          {change.text}
        </span>
      )}
      <label className="backend-choice">
        <select value={choice} onChange={(e) => setBackend(e.target.value as BackendChoice)} data-testid="backend-choice" aria-label="Backend" title="Which execution provider runs the model">
          {CHOICES.map((c) => (
            <option key={c.value} value={c.value}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <span
        className="backend"
        data-testid="backend"
        data-provider={b?.provider ?? ''}
        data-threads={b?.threads ?? ''}
        data-spawned-threads={info?.spawnedThreads ?? ''}
        data-cross-origin-isolated={b ? String(b.crossOriginIsolated) : ''}
        data-fallback-reason={b?.fallbackReason ?? ''}
        title={b ? (b.fallbackReason ? `WebGPU not used: ${b.fallbackReason}` : 'running on the GPU through WebGPU') : ''}
      >
        backend:{' '}
        {b ? (b.provider === 'webgpu' ? 'WebGPU' : `WASM (${b.threads} thread${b.threads === 1 ? '' : 's'})`) : '…'}
        <span className={`dot dot-${b ? 'ok' : 'busy'}`} aria-hidden="true">●</span>
      </span>
      {b?.provider === 'wasm' && b.fallbackReason && choice !== 'wasm' ? (
        <span className="backend-why" data-testid="backend-why">
          ({b.fallbackReason})
        </span>
      ) : null}
    </div>
  );
}
