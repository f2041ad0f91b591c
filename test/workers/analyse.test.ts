import { describe, expect, it, vi } from 'vitest';
import { Runtime } from '../../src/runtime/ort';
import { analyse, LATENCY_RUNS, Superseded } from '../../workers/analyse';
import { defaultSpec } from '../../src/spec/defaults';
import { tokenize } from '../../src/spec/vocab';
import { nodeRuntime } from '../helpers';

describe('analyse (the worker body)', () => {
  it('returns every layer\'s maps and entropies, residual norms and a latency', async () => {
    const spec = defaultSpec();
    const tokens = tokenize('hello there', spec.maxLen).ids;
    const T = tokens.length;
    const r = await analyse(await nodeRuntime(), { id: 7, spec, tokens });
    expect(r.id).toBe(7);
    expect([r.T, r.nLayers, r.nHeads]).toEqual([T, 2, 4]);
    expect(r.probs.map((p) => p.length)).toEqual([4 * T * T, 4 * T * T]);
    expect(r.entropy.map((e) => e.length)).toEqual([4 * T, 4 * T]);
    expect(r.residRms.length).toBe(3 * T);
    expect(r.latency.runs).toBe(LATENCY_RUNS);
    expect(r.latency.medianMs).toBeGreaterThan(0);
    expect(r.backend.provider).toBe('wasm');
    // Every row of every map sums to 1 and the maps are causal.
    for (const p of r.probs)
      for (let row = 0; row < 4 * T; row++) {
        const i = row % T;
        let s = 0;
        for (let j = 0; j < T; j++) {
          s += p[row * T + j]!;
          if (j > i) expect(p[row * T + j]).toBe(0);
        }
        expect(Math.abs(s - 1)).toBeLessThan(1e-5);
      }
  });

  it('stops before any work when a newer request has arrived', async () => {
    const spec = defaultSpec();
    const rt = await nodeRuntime();
    const load = vi.spyOn(rt, 'load');
    await expect(analyse(rt, { id: 1, spec, tokens: [2, 3, 4] }, () => true)).rejects.toBeInstanceOf(Superseded);
    expect(load).not.toHaveBeenCalled();
    load.mockRestore();
  });

  it('releases its session when a newer request arrives between loading and running', async () => {
    const rt = await nodeRuntime();
    const released: string[] = [];
    const load = vi.spyOn(rt, 'load').mockImplementation(async (bytes) => {
      const model = await Runtime.prototype.load.call(rt, bytes);
      return { ...model, release: async () => (released.push('released'), model.release()) };
    });
    let calls = 0;
    // Fresh for the checks before loading; stale from the first check after the session exists.
    await expect(analyse(rt, { id: 2, spec: defaultSpec(), tokens: [2, 3] }, () => ++calls > 2)).rejects.toBeInstanceOf(Superseded);
    expect(load).toHaveBeenCalledTimes(1);
    expect(released).toEqual(['released']);
    load.mockRestore();
  });
});
