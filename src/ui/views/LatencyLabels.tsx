/** How the latency panel writes times and backends, shared by its parts. */
import type { LatencyFigure } from '../../state/latency';

/** Milliseconds with the digits that matter: 0.123 ms, 12.34 ms, 1234 ms. */
export const formatMs = (ms: number): string => (!Number.isFinite(ms) ? '—' : ms < 1 ? `${ms.toFixed(3)} ms` : ms < 100 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);

/** A provider as the page names it, with the WASM thread count when known. */
export const providerName = (provider: LatencyFigure['provider'], threads?: number): string =>
  provider === 'webgpu' ? 'WebGPU' : threads ? `WASM, ${threads} thread${threads === 1 ? '' : 's'}` : 'WASM';
