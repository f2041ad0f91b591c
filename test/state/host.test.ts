import { describe, expect, it } from 'vitest';
import { WorkerHost, type Endpoint, type HostEvent, type Provider } from '../../src/state/host';
import { RuntimeBroken } from '../../workers/failure';
import type { AnalysisRequest, AnalysisResult, InferenceApi, ModelSlot, TrainRequest, WorkerEvent, WorkerInfo } from '../../workers/api';
import { recipe as trainRecipe } from '../../src/train/run';
import { defaultSpec } from '../../src/spec/defaults';

const info = (provider: Provider): WorkerInfo => ({ backend: { provider, threads: 2, crossOriginIsolated: true, fallbackReason: provider === 'wasm' ? 'test' : null }, spawnedThreads: 1 });
const req = (id: number): AnalysisRequest => ({ id, spec: defaultSpec(), tokens: [2, 3] });
const tick = async (n = 5) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setTimeout(r, 0));
};

/** A worker stand-in: its analyses are answered by hand; it can die or send events. */
function fakeWorker(provider: Provider, opts: { backend?: Provider; hangInit?: boolean } = {}) {
  let end: (why: string) => void = () => undefined;
  const gone = new Promise<string>((r) => (end = r));
  let listener: ((e: WorkerEvent) => void) | undefined;
  const analyses: { req: AnalysisRequest; resolve: (r: AnalysisResult) => void; reject: (e: unknown) => void }[] = [];
  let terminated = false;
  const trains: TrainRequest[] = [];
  const paused: ModelSlot[] = [];
  const api = {
    init: async (onEvent?: (e: WorkerEvent) => void) => {
      listener = onEvent;
      if (opts.hangInit) await new Promise<never>(() => {});
      return info(opts.backend ?? provider);
    },
    analyse: (r: AnalysisRequest) => new Promise<AnalysisResult>((resolve, reject) => analyses.push({ req: r, resolve, reject })),
    supersede: async () => undefined,
    releaseSlot: async () => undefined,
    train: (r: TrainRequest) => (trains.push(r), new Promise<never>(() => {})),
    pauseTraining: async (slot: ModelSlot) => void paused.push(slot),
  } as unknown as InferenceApi;
  const ep: Endpoint = {
    provider,
    api,
    gone,
    watch: () => undefined,
    terminate: () => {
      terminated = true;
      end('it was stopped');
    },
  };
  return { ep, analyses, trains, paused, die: (why: string) => end(why), emit: (e: WorkerEvent) => listener?.(e), terminated: () => terminated };
}

type Fake = ReturnType<typeof fakeWorker>;
const answer = (id: number, provider: Provider = 'wasm') => ({ id, backend: info(provider).backend }) as AnalysisResult;

/** Sends the first analysis and answers it from the WASM worker (after it, WebGPU starts where it can). */
async function firstResult(host: WorkerHost, workers: Fake[]): Promise<void> {
  const p = host.analyse(req(1));
  await tick();
  workers[0]!.analyses[0]!.resolve(answer(1));
  await p;
  await tick();
}

function setUp(opts: { adapter?: boolean; choice?: 'auto' | 'wasm' | 'webgpu'; gpuBackend?: Provider; gpuHangs?: boolean } = {}) {
  const workers: Fake[] = [];
  const events: HostEvent[] = [];
  const host = new WorkerHost(
    (provider) => {
      const f = fakeWorker(provider, provider === 'webgpu' ? { backend: opts.gpuBackend ?? 'webgpu', hangInit: opts.gpuHangs ?? false } : {});
      workers.push(f);
      return f.ep;
    },
    { webGpuUnavailable: async () => (opts.adapter ? null : 'no WebGPU adapter is available'), choice: opts.choice ?? 'auto' },
  );
  void host.init((e) => events.push(e));
  const changes = () => events.filter((e) => e.kind === 'changed');
  return { host, workers, events, changes };
}

describe('the worker host', () => {
  it('runs a training job on the active worker, not counted as busy; a lost worker rejects it with WorkerLost and it is not run again', async () => {
    const { host, workers, events } = setUp({ adapter: true });
    await firstResult(host, workers); // WebGPU starts after the first result
    const gpu = workers[1]!;
    await tick();
    expect(host.gpuPhase).toBe('active');
    const busyBefore = events.filter((e) => e.kind === 'busy').length;
    const job = host.train({ spec: defaultSpec(), recipe: trainRecipe({ task: 'copy', T: 16 }) }, () => undefined);
    job.catch(() => undefined);
    await tick();
    expect(gpu.trains).toHaveLength(1);
    expect(events.filter((e) => e.kind === 'busy')).toHaveLength(busyBefore); // a job in flight is not "busy"
    // Its controls go to the worker that runs it.
    await host.pauseTraining('a');
    expect(gpu.paused).toEqual(['a']);
    gpu.die('it crashed');
    await expect(job).rejects.toMatchObject({ name: 'WorkerLost' });
    await tick();
    expect(host.gpuPhase).toBe('off');
    expect(workers[0]!.trains).toHaveLength(0); // not run again on WASM: its state lived in the lost worker
    expect(await host.trainedWeights('a')).toBeNull(); // nothing to ask the lost worker
  });

  it('starts one WASM worker, and no WebGPU worker without an adapter', async () => {
    const { host, workers } = setUp();
    const p = host.analyse(req(1));
    await tick();
    workers[0]!.analyses[0]!.resolve(answer(1));
    expect((await p).id).toBe(1);
    await tick();
    expect(workers.map((w) => w.ep.provider)).toEqual(['wasm']);
    expect(host.provider).toBe('wasm');
  });

  it('loads WebGPU on demand, after the first result, and moves to it once it runs on WebGPU', async () => {
    const { host, workers, events } = setUp({ adapter: true });
    const p = host.analyse(req(1));
    await tick();
    expect(workers).toHaveLength(1); // nothing of WebGPU before the first result
    workers[0]!.analyses[0]!.resolve(answer(1));
    await p;
    await tick();
    expect(workers.map((w) => w.ep.provider)).toEqual(['wasm', 'webgpu']);
    expect(host.provider).toBe('webgpu');
    expect(events).toContainEqual({ kind: 'ready', info: info('webgpu') });
    expect(events).toContainEqual({ kind: 'changed', tone: 'info', text: 'Running on WebGPU now.', rerun: true });
    const q = host.analyse(req(2));
    await tick();
    expect(workers[1]!.analyses.map((a) => a.req.id)).toEqual([2]);
    workers[1]!.analyses[0]!.resolve(answer(2, 'webgpu'));
    expect((await q).backend.provider).toBe('webgpu');
  });

  it('restarts a WASM worker that dies mid-run, rejects the run with WorkerLost, and asks for the model again', async () => {
    const { host, workers, changes } = setUp();
    const p = host.analyse(req(1));
    await tick();
    workers[0]!.die('it ended unexpectedly');
    await expect(p).rejects.toMatchObject({ name: 'WorkerLost' });
    await tick();
    expect(workers).toHaveLength(2);
    expect(workers[0]!.terminated()).toBe(true);
    expect(changes()).toEqual([{ kind: 'changed', tone: 'warning', text: 'The WASM worker stopped (it ended unexpectedly). It was restarted, and the model is being run again.', rerun: true }]);
    const q = host.analyse(req(2));
    await tick();
    workers[1]!.analyses[0]!.resolve(answer(2));
    expect((await q).id).toBe(2);
  });

  it('leaves nothing behind for answered requests (a worker that lives long serves many)', async () => {
    const { host, workers } = setUp();
    for (let id = 1; id <= 3; id++) {
      const p = host.analyse(req(id));
      await tick();
      workers[0]!.analyses.at(-1)!.resolve(answer(id));
      await p;
    }
    expect(host.inFlight).toBe(0);
  });

  it('does not re-run a model that keeps killing its worker', async () => {
    const { host, workers, changes } = setUp();
    void host.analyse(req(1)).catch(() => undefined);
    await tick();
    workers[0]!.die('crashed');
    await tick();
    void host.analyse(req(2)).catch(() => undefined);
    await tick();
    workers[1]!.die('crashed');
    await tick();
    expect(workers).toHaveLength(3);
    expect(changes().map((e) => e.kind === 'changed' && e.rerun)).toEqual([true, false]);
  });

  it('replaces a worker whose runtime broke (out of memory), and fails the run with that message without re-running it', async () => {
    const { host, workers, changes } = setUp();
    const p = host.analyse(req(1));
    await tick();
    workers[0]!.analyses[0]!.reject(new RuntimeBroken(new Error('Aborted(). Build with -sASSERTIONS for more info.')));
    await expect(p).rejects.toMatchObject({ name: 'RuntimeBroken', message: expect.stringContaining('ran out of memory') });
    await tick();
    expect(workers[0]!.terminated()).toBe(true);
    expect(workers).toHaveLength(2);
    expect(changes()).toEqual([expect.objectContaining({ rerun: false })]);
  });

  it('falls back to WASM when the WebGPU device is lost, and re-runs there', async () => {
    const { host, workers, changes } = setUp({ adapter: true });
    await firstResult(host, workers);
    expect(host.provider).toBe('webgpu');
    workers[1]!.emit({ kind: 'device-lost', message: 'Device was destroyed.' });
    await tick();
    expect(host.provider).toBe('wasm');
    expect(workers[1]!.terminated()).toBe(true);
    expect(changes().at(-1)).toEqual({ kind: 'changed', tone: 'warning', text: 'The WebGPU device was lost (Device was destroyed.). Running on WASM now.', rerun: true });
  });

  it('runs on WASM a model WebGPU fails on, and stays on WASM', async () => {
    const { host, workers, changes } = setUp({ adapter: true });
    await firstResult(host, workers);
    const q = host.analyse(req(2));
    await tick();
    workers[1]!.analyses[0]!.reject(new Error('no WebGPU kernel for CumSum'));
    await tick();
    workers[0]!.analyses[1]!.resolve(answer(2));
    expect((await q).backend.provider).toBe('wasm');
    expect(host.provider).toBe('wasm');
    expect(changes().at(-1)).toMatchObject({ tone: 'warning', text: expect.stringContaining('WebGPU could not run this model (no WebGPU kernel for CumSum)') });
  });

  it('passes budget refusals through without leaving WebGPU', async () => {
    const { host, workers } = setUp({ adapter: true });
    await firstResult(host, workers);
    const q = host.analyse(req(2));
    await tick();
    workers[1]!.analyses[0]!.reject(Object.assign(new Error('over budget'), { name: 'BudgetError' }));
    await expect(q).rejects.toMatchObject({ name: 'BudgetError' });
    expect(host.provider).toBe('webgpu');
    expect(workers[0]!.analyses).toHaveLength(1);
  });

  it('says so when WebGPU is chosen where there is no adapter, and stays on WASM', async () => {
    const { host, workers, changes } = setUp({ adapter: false });
    await host.choose('webgpu');
    expect(workers).toHaveLength(1);
    expect(changes()).toEqual([{ kind: 'changed', tone: 'warning', text: 'WebGPU is not available here (no WebGPU adapter is available). Running on WASM.', rerun: false }]);
  });

  it('drops a WebGPU worker that ends up on WASM, and goes back to WASM when chosen', async () => {
    const fallback = setUp({ adapter: true, gpuBackend: 'wasm', choice: 'webgpu' });
    await fallback.host.choose('webgpu');
    expect(fallback.host.provider).toBe('wasm');
    expect(fallback.workers[1]!.terminated()).toBe(true);

    const { host, workers, changes } = setUp({ adapter: true, choice: 'webgpu' });
    await host.choose('webgpu');
    await tick();
    expect(host.provider).toBe('webgpu');
    await host.choose('wasm');
    await tick();
    expect(host.provider).toBe('wasm');
    expect(workers[1]!.terminated()).toBe(true);
    expect(changes().at(-1)).toEqual({ kind: 'changed', tone: 'info', text: 'Running on WASM, as chosen.', rerun: true });
  });

  it('says why when the WebGPU worker dies while it starts, and stays on WASM', async () => {
    const { host, workers, changes } = setUp({ adapter: true, gpuHangs: true });
    await firstResult(host, workers);
    expect(host.gpuPhase).toBe('starting');
    workers[1]!.die('crashed');
    await tick();
    expect(host.gpuPhase).toBe('off');
    expect(host.provider).toBe('wasm');
    expect(changes()).toEqual([{ kind: 'changed', tone: 'warning', text: expect.stringContaining('WebGPU could not start (The WebGPU worker stopped (crashed)'), rerun: false }]);
  });

  it('falls back to WASM and runs the model again when the active WebGPU worker dies', async () => {
    const { host, workers, changes } = setUp({ adapter: true });
    await firstResult(host, workers);
    expect(host.gpuPhase).toBe('active');
    const q = host.analyse(req(2));
    await tick();
    workers[1]!.die('crashed');
    await expect(q).rejects.toMatchObject({ name: 'WorkerLost' });
    await tick();
    expect([host.gpuPhase, host.provider]).toEqual(['off', 'wasm']);
    expect(changes().at(-1)).toEqual({ kind: 'changed', tone: 'warning', text: 'The WebGPU worker stopped (crashed). Running on WASM now.', rerun: true });
  });

  it('says when the workers go busy and idle again, counting a WebGPU worker that is starting', async () => {
    const { host, workers, events } = setUp({ adapter: true, gpuHangs: true });
    const busy = () => events.filter((e) => e.kind === 'busy').map((e) => e.kind === 'busy' && e.busy);
    const p = host.analyse(req(1));
    await tick();
    expect(busy()).toEqual([true]);
    workers[0]!.analyses[0]!.resolve(answer(1));
    await p;
    await tick();
    // Idle for a moment, then the WebGPU worker starts after the first result (and hangs here).
    expect(busy()).toEqual([true, false, true]);
    workers[1]!.die('crashed');
    await tick();
    expect(busy()).toEqual([true, false, true, false]);
  });
});
