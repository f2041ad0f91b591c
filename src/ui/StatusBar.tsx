/** The one place status lives: runtime loading, running, errors, and the backend in use. */
import { useApp } from './useApp';

export function StatusBar() {
  const runtime = useApp((s) => s.runtime);
  const run = useApp((s) => s.run);

  let status: string;
  let tone: 'busy' | 'ok' | 'error' = 'ok';
  if (runtime.phase === 'loading') [status, tone] = ['loading the runtime…', 'busy'];
  else if (runtime.phase === 'failed') [status, tone] = [runtime.message, 'error'];
  else if (run.phase === 'running') [status, tone] = ['running…', 'busy'];
  else if (run.phase === 'failed') [status, tone] = [`the model could not run: ${run.message}`, 'error'];
  else status = 'ready';

  const info = runtime.phase === 'ready' ? runtime.info : null;
  const b = info?.backend;
  return (
    <div className="statusbar">
      <span className={`status status-${tone}`} role="status" aria-live="polite" data-testid="status" data-phase={tone}>
        {status}
      </span>
      <span
        className="backend"
        data-testid="backend"
        data-provider={b?.provider ?? ''}
        data-threads={b?.threads ?? ''}
        data-spawned-threads={info?.spawnedThreads ?? ''}
        data-cross-origin-isolated={b ? String(b.crossOriginIsolated) : ''}
        title={b ? (b.fallbackReason ? `WebGPU not used: ${b.fallbackReason}` : 'running on the GPU through WebGPU') : ''}
      >
        backend:{' '}
        {b ? (b.provider === 'webgpu' ? 'WebGPU' : `WASM (${b.threads} thread${b.threads === 1 ? '' : 's'})`) : '…'}
        <span className={`dot dot-${b ? 'ok' : 'busy'}`} aria-hidden="true">●</span>
      </span>
    </div>
  );
}
