import { describe, expect, it, vi } from 'vitest';
import { Runtime } from '../../src/runtime/ort';
import { analyse, mapView, Superseded } from '../../workers/analyse';
import { Sessions } from '../../workers/sessions';
import { defaultSpec } from '../../src/spec/defaults';
import { tokenize } from '../../src/spec/vocab';
import { nodeRuntime, nodeSessions } from '../helpers';

describe('analyse (the worker body)', () => {
  it('returns summaries of every layer, the map on screen, and keeps the full maps in the worker', async () => {
    const spec = defaultSpec();
    const tokens = tokenize('hello there', spec.maxLen).ids;
    const T = tokens.length;
    const { result: r, held } = await analyse(await nodeSessions(), { id: 7, spec, tokens, view: { layer: 1, head: 2 } });
    expect(r.id).toBe(7);
    expect([r.T, r.nLayers, r.nHeads]).toEqual([T, 2, 4]);
    expect(held.maps.map((p) => p.length)).toEqual([4 * T * T, 4 * T * T]);
    expect(r.entropy.map((e) => e.length)).toEqual([4 * T, 4 * T]);
    expect(r.support.map((e) => Array.from(e))).toEqual([0, 1].map(() => Array.from({ length: 4 * T }, (_, k) => (k % T) + 1))); // causal rows use i + 1 keys
    expect(r.residRms.length).toBe(3 * T);
    expect(r.logits.length).toBe(T * r.vocabSize);
    expect(r.router).toEqual([null, null]);
    expect(r.thumbs.map((t) => t.length)).toEqual([4 * 24 * 24, 4 * 24 * 24]);
    expect(r.timings.reused).toBe(false);
    expect(r.backend.provider).toBe('wasm');
    // The map sent is the one asked for, exact at this length, and a copy (the held maps stay whole).
    expect(r.map).toMatchObject({ id: 7, layer: 1, head: 2, T, side: T, block: 1 });
    expect(Array.from(r.map.values)).toEqual(Array.from(held.maps[1]!.subarray(2 * T * T, 3 * T * T)));
    expect(r.map.values.buffer).not.toBe(held.maps[1]!.buffer);
    expect(mapView(held, { layer: 2, head: 0 })).toBeNull();
    // Every row of every map sums to 1 and the maps are causal.
    for (const p of held.maps)
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

  it('downsamples a long map by block means, and reports MoE router probabilities', async () => {
    const spec = { ...defaultSpec(), maxLen: 1100 };
    spec.layers = [{ ...spec.layers[0]!, ffn: { kind: 'moe', params: {} } }];
    const tokens = Array.from({ length: 1030 }, (_, i) => 2 + (i % 90));
    const { result: r, held } = await analyse(await nodeSessions(), { id: 1, spec, tokens });
    expect(r.map).toMatchObject({ T: 1030, block: 3, side: 344 });
    const full = held.maps[0]!;
    let sum = 0;
    for (let i = 3; i < 6; i++) for (let j = 0; j < 3; j++) sum += full[i * 1030 + j]!;
    expect(r.map.values[344]).toBeCloseTo(sum / 9, 6); // cell (1, 0): queries 3–5 × keys 0–2
    expect(r.router[0]!.experts).toBeGreaterThan(1);
    expect(r.router[0]!.probs.length).toBe(1030 * r.router[0]!.experts);
  });

  it('stops before any work when a newer request has arrived', async () => {
    const spec = defaultSpec();
    const rt = await nodeRuntime();
    const load = vi.spyOn(rt, 'load');
    await expect(analyse(new Sessions(rt), { id: 1, spec, tokens: [2, 3, 4] }, () => true)).rejects.toBeInstanceOf(Superseded);
    expect(load).not.toHaveBeenCalled();
    load.mockRestore();
  });

  it('reuses its session when only the text changes (same length), and releases a replaced one', async () => {
    const rt = await nodeRuntime();
    const released: number[] = [];
    let loads = 0;
    const load = vi.spyOn(rt, 'load').mockImplementation(async (bytes, opts) => {
      const n = loads++;
      const model = await Runtime.prototype.load.call(rt, bytes, opts);
      return { ...model, release: async () => (released.push(n), model.release()) };
    });
    const sessions = new Sessions(rt);
    const spec = defaultSpec();
    const a = await analyse(sessions, { id: 1, spec, tokens: tokenize('cat', spec.maxLen).ids });
    const b = await analyse(sessions, { id: 2, spec, tokens: tokenize('dog', spec.maxLen).ids });
    expect([a.result.timings.reused, b.result.timings.reused]).toEqual([false, true]);
    expect(loads).toBe(1);
    // The same session gave each text its own maps.
    expect(Array.from(a.result.logits)).not.toEqual(Array.from(b.result.logits));
    // A length change is another graph: a new session, and the old one released.
    const c = await analyse(sessions, { id: 3, spec, tokens: tokenize('horse', spec.maxLen).ids });
    expect(c.result.timings.reused).toBe(false);
    expect(loads).toBe(2);
    await vi.waitFor(() => expect(released).toEqual([0]));
    // So is a spec change at the same length (other than the seed: test/workers/weights.test.ts).
    await analyse(sessions, { id: 4, spec: { ...spec, nHeads: 2 }, tokens: tokenize('zebra', spec.maxLen).ids });
    expect(loads).toBe(3);
    await vi.waitFor(() => expect(released).toEqual([0, 1]));
    expect(sessions.size).toBe(1);
    sessions.releaseAll();
    await vi.waitFor(() => expect(released).toEqual([0, 1, 2]));
    load.mockRestore();
  });

  it('answers a reused session with the same outputs as a fresh one', async () => {
    const spec = defaultSpec();
    const sessions = await nodeSessions();
    await analyse(sessions, { id: 1, spec, tokens: tokenize('abc', spec.maxLen).ids });
    const reused = await analyse(sessions, { id: 2, spec, tokens: tokenize('xyz', spec.maxLen).ids });
    const fresh = await analyse(await nodeSessions(), { id: 3, spec, tokens: tokenize('xyz', spec.maxLen).ids });
    expect(reused.result.timings.reused).toBe(true);
    expect(Array.from(reused.result.logits)).toEqual(Array.from(fresh.result.logits));
    expect(Array.from(reused.held.maps[1]!)).toEqual(Array.from(fresh.held.maps[1]!));
  });

  it('stops between loading and running when a newer request arrives, keeping the session for the next', async () => {
    const sessions = await nodeSessions();
    let calls = 0;
    // Fresh for the check before loading; stale from the first check after the session exists.
    await expect(analyse(sessions, { id: 2, spec: defaultSpec(), tokens: [2, 3] }, () => ++calls > 1)).rejects.toBeInstanceOf(Superseded);
    expect(sessions.created).toBe(1);
    const next = await analyse(sessions, { id: 3, spec: defaultSpec(), tokens: [4, 5] });
    expect(next.result.timings.reused).toBe(true);
    sessions.releaseAll();
  });
});
