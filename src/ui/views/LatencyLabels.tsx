/** How the latency panel writes times, their spread and backends, shared by its parts. */
import { spreadOf, type Spread } from '../../analysis/spread';
import type { LatencyFigure } from '../../state/latency';

/** Milliseconds with the digits that matter: 0.123 ms, 12.34 ms, 1234 ms. */
export const formatMs = (ms: number): string => (!Number.isFinite(ms) ? '—' : ms < 1 ? `${ms.toFixed(3)} ms` : ms < 100 ? `${ms.toFixed(2)} ms` : `${ms.toFixed(0)} ms`);

/** A number of ms without the unit, with formatMs's digits. */
export const formatMsBare = (ms: number): string => formatMs(ms).replace(' ms', '');

/** "IQR 1.20–1.35 ms, min–max 1.18–1.60 ms over 5 runs": the spread of a figure in words. */
export const spreadText = (s: Spread): string =>
  `IQR ${formatMsBare(s.q1)}–${formatMs(s.q3)}, min–max ${formatMsBare(s.min)}–${formatMs(s.max)} over ${s.n} run${s.n === 1 ? '' : 's'}`;

/** Data attributes that carry a figure's runs and spread, for tests and for anyone reading the page. */
export function spreadData(samplesMs: readonly number[] | undefined): Record<string, string> {
  const s = spreadOf(samplesMs ?? []);
  if (!s) return {};
  return { 'data-samples': JSON.stringify(samplesMs), 'data-q1': String(s.q1), 'data-q3': String(s.q3), 'data-min': String(s.min), 'data-max': String(s.max) };
}

/** A provider as the page names it, with the WASM thread count when known. */
export const providerName = (provider: LatencyFigure['provider'], threads?: number): string =>
  provider === 'webgpu' ? 'WebGPU' : threads ? `WASM, ${threads} thread${threads === 1 ? '' : 's'}` : 'WASM';
