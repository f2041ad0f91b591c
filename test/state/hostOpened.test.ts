/**
 * The host keeps an opened model's file in the page: a worker that does not hold it (restarted
 * after a crash, or the other backend's) answers NotOpened, is sent the file again, and the request
 * is asked again, so the person never opens the file twice.
 */
import { describe, expect, it } from 'vitest';
import { WorkerHost, type Endpoint } from '../../src/state/host';
import type { AnalysisRequest, AnalysisResult, InferenceApi, WorkerInfo } from '../../workers/api';
import type { OpenedInfo } from '../../src/opened/types';
import { defaultSpec } from '../../src/spec/defaults';
import { ERROR } from '../../src/spec/errors';

const info: WorkerInfo = { backend: { provider: 'wasm', threads: 1, crossOriginIsolated: true, fallbackReason: 'test' }, spawnedThreads: 1 };

/** A worker that holds opened models by key, as workers/serve.ts does, and can forget them (a restart). */
function worker() {
  const held = new Map<string, string>();
  const opens: string[] = [];
  const api = {
    init: async () => info,
    supersede: async () => undefined,
    releaseSlot: async () => undefined,
    openModel: async (slot: string, key: string, bytes: Uint8Array, fileName: string) => {
      if (bytes[0] !== 42) throw Object.assign(new Error(`${fileName} is not an ONNX model`), { name: ERROR.OpenError });
      opens.push(key);
      held.set(slot, key);
      return { fileName } as OpenedInfo;
    },
    closeModel: async (slot: string) => void held.delete(slot),
    analyse: async (r: AnalysisRequest) => {
      if (r.opened && held.get(r.slot ?? 'a') !== r.opened.key) throw Object.assign(new Error('not held'), { name: ERROR.NotOpened });
      return { id: r.id, backend: info.backend } as AnalysisResult;
    },
  } as unknown as InferenceApi;
  const ep: Endpoint = { provider: 'wasm', api, gone: new Promise(() => {}), watch: () => undefined, terminate: () => undefined };
  return { ep, held, opens };
}

describe('opened models in the host', () => {
  it('sends the file again to a worker that lost it, and asks again', async () => {
    const w = worker();
    const host = new WorkerHost(() => w.ep, { webGpuUnavailable: async () => 'none', choice: 'wasm' });
    await host.init();
    const bytes = new Uint8Array([42, 1, 2]);
    expect((await host.openModel('a', 'm.onnx#1', bytes, 'm.onnx')).fileName).toBe('m.onnx');
    const req: AnalysisRequest = { id: 1, slot: 'a', spec: defaultSpec(), tokens: [2, 3], opened: { key: 'm.onnx#1', ids: [2, 3], others: {} } };
    expect((await host.analyse(req)).id).toBe(1);
    expect(w.opens).toEqual(['m.onnx#1']);
    w.held.clear(); // the worker was restarted: it holds nothing
    expect((await host.analyse({ ...req, id: 2 })).id).toBe(2);
    expect(w.opens).toEqual(['m.onnx#1', 'm.onnx#1']);
    // A refused file leaves what the slot had.
    await expect(host.openModel('a', 'bad#2', new Uint8Array([0]), 'bad.onnx')).rejects.toThrow('bad.onnx is not an ONNX model');
    expect(w.held.get('a')).toBe('m.onnx#1');
    // A closed model is not sent again: the worker's NotOpened stands.
    await host.closeModel('a');
    await expect(host.analyse({ ...req, id: 3 })).rejects.toThrow('not held');
  });
});
