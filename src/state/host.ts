/**
 * The page's side of the inference workers: one worker per execution provider, started, watched,
 * restarted and switched here, behind the same InferenceApi the workers answer.
 *
 *   - The WASM worker starts with the page. The WebGPU worker, with its larger onnxruntime-web
 *     build, is started on demand: after the first result, when the browser has a WebGPU adapter
 *     and WebGPU is wanted ("auto" or "webgpu"). Requests go to the active worker.
 *   - A worker that dies (it crashed, the browser killed it, it was closed) is noticed through the
 *     Web Lock it holds for its lifetime (src/state/endpoint.ts); a request in flight rejects with
 *     WorkerLost. A WASM worker is restarted; a WebGPU worker is replaced by the WASM one.
 *   - A worker whose runtime ran out of memory or aborted answers RuntimeBroken: it is replaced,
 *     and the request fails with that message (it is not run again: it would fail again).
 *   - A lost WebGPU device, or a WebGPU run that fails where WASM succeeds, switches to WASM.
 * Each of these is told to the page as an event with a short message; `rerun` asks the page to
 * send the model on screen again, so what was shown comes back from the new worker. Nothing here
 * touches the store: the bridge turns events into state.
 */
import type { AnalysisRequest, BackendInfo, InferenceApi, LatencyMode, ModelSlot, SweepProgress, SweepRequest, ViewRef, WorkerEvent, WorkerInfo } from '../../workers/api';
import { errorParts } from '../../workers/failure';

export type Provider = BackendInfo['provider'];

/** Which execution provider the person wants: WebGPU where there is an adapter ("auto"), or one of them. */
export type BackendChoice = 'auto' | 'wasm' | 'webgpu';

/** A started worker, as the host sees it. */
export interface Endpoint {
  provider: Provider;
  api: InferenceApi;
  /** Resolves with what happened once the worker is gone; `watch()` starts looking (after init: the worker then holds its lock). */
  gone: Promise<string>;
  watch(): void;
  terminate(): void;
}

/** Starts a worker for `provider`. */
export type Spawn = (provider: Provider) => Endpoint;

/** What the host tells the page. */
export type HostEvent =
  | WorkerEvent
  /** The active worker is ready (at start, after a switch, after a restart). */
  | { kind: 'ready'; info: WorkerInfo }
  /** Something happened to the runtime: `text` says what in a sentence; `rerun` asks for the model on screen again. */
  | { kind: 'changed'; tone: 'info' | 'warning'; text: string; rerun: boolean }
  /** No worker could start: nothing can run. */
  | { kind: 'failed'; message: string };

/** The workers' API as the page uses it: init hears the host's events too. */
export type RuntimeApi = Omit<InferenceApi, 'init'> & {
  init(onEvent?: (e: HostEvent) => void): Promise<WorkerInfo>;
  /** Switches the execution provider (the host; absent where there is one worker). */
  choose?(choice: BackendChoice): Promise<void>;
};

/** Thrown for a request whose worker died before answering. */
export class WorkerLost extends Error {
  constructor(provider: Provider, why: string) {
    super(`The ${label(provider)} worker stopped (${why}) before answering; it was restarted.`);
    this.name = 'WorkerLost';
  }
}

interface Running {
  ep: Endpoint;
  /** Resolves once the worker's runtime is loaded. */
  ready: Promise<WorkerInfo>;
  /** Rejects with WorkerLost once the worker is gone; never resolves. */
  lost: Promise<never>;
  /**
   * The requests in flight, to reject when the worker is gone. (Not Promise.race against `lost`:
   * each race would leave a reaction on `lost`, which never settles while the worker lives.)
   */
  waiting: Set<(e: Error) => void>;
  /** Set once the worker is gone: later requests fail at once. */
  dead: WorkerLost | null;
  /** Set before the host stops the worker itself, so its end is not taken for a crash. */
  retired: boolean;
}

export interface HostOptions {
  /** Why WebGPU cannot be used here, or null when an adapter exists. */
  webGpuUnavailable(): Promise<string | null>;
  choice?: BackendChoice;
}

const label = (p: Provider) => (p === 'webgpu' ? 'WebGPU' : 'WASM');

export class WorkerHost implements RuntimeApi {
  private active: Running;
  private wasm: Running;
  private webgpu: Running | null = null;
  private choice: BackendChoice;
  private listeners: ((e: HostEvent) => void)[] = [];
  /** Worker losses since the last answered analysis: a model that kills its worker is not run again in a loop. */
  private lossesSinceAnswer = 0;
  private upgradeAsked = false;
  /** Why WebGPU cannot be used here (null: it can), asked once: requesting an adapter loads nothing big. */
  private readonly gpuMissing: Promise<string | null>;

  constructor(
    private readonly spawn: Spawn,
    opts: HostOptions,
  ) {
    this.choice = opts.choice ?? 'auto';
    this.gpuMissing = opts.webGpuUnavailable().catch((e: unknown) => `the WebGPU check failed: ${errorParts(e).message}`);
    this.wasm = this.active = this.launch('wasm');
  }

  /** A WASM worker's facts, with why WebGPU is not in use as the page should say it. */
  private async withReason(info: WorkerInfo): Promise<WorkerInfo> {
    const missing = await this.gpuMissing;
    const reason = missing ?? (this.choice === 'wasm' ? 'WASM was chosen' : 'WebGPU starts after the first map');
    return { ...info, backend: { ...info.backend, fallbackReason: reason } };
  }

  /** Resolves once the WASM worker is ready; `onEvent` hears everything that happens afterwards too. */
  init(onEvent?: (e: HostEvent) => void): Promise<WorkerInfo> {
    if (onEvent) this.listeners.push(onEvent);
    return this.active.ready;
  }

  private emit(e: HostEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Starts a worker and watches it. */
  private launch(provider: Provider): Running {
    const ep = this.spawn(provider);
    const run: Running = { ep, retired: false, ready: null as unknown as Promise<WorkerInfo>, lost: null as unknown as Promise<never>, waiting: new Set(), dead: null };
    run.lost = ep.gone.then((why) => {
      const error = new WorkerLost(provider, why);
      run.dead = error;
      for (const reject of run.waiting) reject(error);
      run.waiting.clear();
      throw error;
    });
    run.lost.catch(() => undefined);
    run.ready = Promise.race([ep.api.init((e) => this.fromWorker(run, e)), run.lost]).then((info) => {
      ep.watch();
      return provider === 'wasm' ? this.withReason(info) : info;
    });
    run.ready.catch(() => undefined);
    void ep.gone.then((why) => this.onGone(run, why));
    return run;
  }

  private fromWorker(run: Running, e: WorkerEvent): void {
    if (run.retired) return;
    if (e.kind === 'device-lost') {
      this.fallBack(run, `The WebGPU device was lost (${e.message}). Running on WASM now.`);
      return;
    }
    if (run === this.active || e.kind === 'loading') this.emit(e);
  }

  /** A worker ended without being asked to. */
  private onGone(run: Running, why: string): void {
    if (run.retired) return;
    run.retired = true;
    run.ep.terminate();
    this.lossesSinceAnswer++;
    if (run.ep.provider === 'webgpu') {
      this.webgpu = null;
      if (this.active === run) this.switchTo(this.wasm, { tone: 'warning', text: `The WebGPU worker stopped (${why}). Running on WASM now.` });
      return;
    }
    const again = this.lossesSinceAnswer <= 1;
    this.replaceWasm(
      again
        ? `The WASM worker stopped (${why}). It was restarted, and the model is being run again.`
        : `The WASM worker stopped again (${why}). It was restarted; the model was not run again, since it may be what stops it. Edit the model to run it.`,
      again,
    );
  }

  private replaceWasm(text: string, rerun: boolean): void {
    const wasActive = this.active === this.wasm;
    this.wasm = this.launch('wasm');
    if (wasActive) this.active = this.wasm;
    this.wasm.ready.then(
      (info) => {
        if (this.active === this.wasm) this.emit({ kind: 'ready', info });
        this.emit({ kind: 'changed', tone: 'warning', text, rerun: rerun && this.active === this.wasm });
      },
      (e: unknown) => this.emit({ kind: 'failed', message: `The WASM worker could not be restarted: ${errorParts(e).message}` }),
    );
  }

  private switchTo(run: Running, change: { tone: 'info' | 'warning'; text: string }): void {
    this.active = run;
    run.ready.then(
      (ready) => {
        if (this.active !== run) return;
        // Back on WASM after a failure: the failure is why WebGPU is not in use.
        const info = run.ep.provider === 'wasm' && change.tone === 'warning' ? { ...ready, backend: { ...ready.backend, fallbackReason: change.text } } : ready;
        this.emit({ kind: 'ready', info });
        this.emit({ kind: 'changed', ...change, rerun: true });
      },
      () => undefined, // its own loss is reported by onGone
    );
  }

  /** Leaves WebGPU for WASM (a lost device, a failed run), stopping the WebGPU worker. */
  private fallBack(run: Running, text: string): void {
    if (run.retired) return;
    this.retire(run);
    if (this.webgpu === run) this.webgpu = null;
    if (this.active === run) this.switchTo(this.wasm, { tone: 'warning', text });
  }

  private retire(run: Running): void {
    run.retired = true;
    run.ep.terminate();
  }

  /** The provider wanted from now on; switching re-runs the model on screen. */
  async choose(choice: BackendChoice): Promise<void> {
    this.choice = choice;
    if (choice === 'wasm') {
      if (this.webgpu) {
        const gpu = this.webgpu;
        this.webgpu = null;
        this.retire(gpu);
        this.switchTo(this.wasm, { tone: 'info', text: 'Running on WASM, as chosen.' });
      }
      return;
    }
    await this.upgrade(choice === 'webgpu');
  }

  /** Starts the WebGPU worker when wanted and possible, and makes it active once it runs on WebGPU. */
  private async upgrade(asked: boolean): Promise<void> {
    if (this.webgpu) return;
    const unavailable = await this.gpuMissing;
    if (unavailable) {
      if (asked) this.emit({ kind: 'changed', tone: 'warning', text: `WebGPU is not available here (${unavailable}). Running on WASM.`, rerun: false });
      return;
    }
    if (this.wantsWasm() || this.webgpu) return;
    const gpu = (this.webgpu = this.launch('webgpu'));
    let info: WorkerInfo;
    try {
      info = await gpu.ready;
    } catch (e) {
      if (this.webgpu === gpu) this.webgpu = null;
      this.retire(gpu);
      this.emit({ kind: 'changed', tone: 'warning', text: `WebGPU could not start (${errorParts(e).message}). Running on WASM.`, rerun: false });
      return;
    }
    if (gpu.retired || this.wantsWasm()) return;
    if (info.backend.provider !== 'webgpu') {
      this.webgpu = null;
      this.retire(gpu);
      this.emit({ kind: 'changed', tone: 'warning', text: `WebGPU could not be used (${info.backend.fallbackReason ?? 'no reason given'}). Running on WASM.`, rerun: false });
      return;
    }
    this.switchTo(gpu, { tone: 'info', text: 'Running on WebGPU now.' });
  }

  /**
   * Runs `task` on the active worker; a worker that dies meanwhile rejects it with WorkerLost. On
   * WebGPU, a failure that is not the model's (budget, validation) is tried again on WASM, which
   * becomes active when it succeeds.
   */
  private async call<R>(task: (api: InferenceApi) => Promise<R>): Promise<R> {
    const run = this.active;
    await run.ready;
    try {
      return await this.on(run, task);
    } catch (e) {
      const { name, message } = errorParts(e);
      if (name === 'RuntimeBroken' && !run.retired) {
        this.retire(run);
        if (run.ep.provider === 'wasm') this.replaceWasm('The WASM worker was restarted after its runtime failed.', false);
        else this.fallBack(run, 'The WebGPU runtime failed and was stopped. Running on WASM now.');
        throw e;
      }
      if (run.ep.provider === 'webgpu' && !['Superseded', 'BudgetError', 'SpecError', 'WorkerLost'].includes(name)) {
        await this.wasm.ready;
        const answer = await this.on(this.wasm, task);
        this.fallBack(run, `WebGPU could not run this model (${message.slice(0, 160)}); WASM could. Running on WASM now.`);
        return answer;
      }
      throw e;
    }
  }

  /** `task` on the worker of `run`, rejected with WorkerLost if the worker goes first. */
  private on<R>(run: Running, task: (api: InferenceApi) => Promise<R>): Promise<R> {
    if (run.dead) return Promise.reject(run.dead);
    return new Promise<R>((resolve, reject) => {
      run.waiting.add(reject);
      task(run.ep.api)
        .then(resolve, reject)
        .finally(() => run.waiting.delete(reject));
    });
  }

  analyse(req: AnalysisRequest) {
    return this.call((api) => api.analyse(req)).then((r) => {
      this.lossesSinceAnswer = 0;
      if (!this.upgradeAsked && this.choice !== 'wasm') {
        this.upgradeAsked = true; // on demand: the first result is drawn before WebGPU is loaded
        void this.upgrade(this.choice === 'webgpu');
      }
      return r;
    });
  }
  stats(req: AnalysisRequest) {
    return this.call((api) => api.stats(req));
  }
  map(id: number, view: ViewRef) {
    return this.call((api) => api.map(id, view));
  }
  exportOnnx(spec: AnalysisRequest['spec'], T: number, mode: 'inspect' | 'fast') {
    return this.call((api) => api.exportOnnx(spec, T, mode));
  }
  async supersede(id: number, slot?: ModelSlot) {
    await Promise.all(this.live().map((r) => r.ep.api.supersede(id, slot).catch(() => undefined)));
  }
  async releaseSlot(slot: ModelSlot) {
    await Promise.all(this.live().map((r) => r.ep.api.releaseSlot(slot).catch(() => undefined)));
  }
  memory() {
    return this.call((api) => api.memory());
  }
  latency(req: AnalysisRequest, mode: LatencyMode) {
    return this.call((api) => api.latency(req, mode));
  }
  breakdown(req: AnalysisRequest) {
    return this.call((api) => api.breakdown(req));
  }
  sweep(req: SweepRequest, onProgress: (p: SweepProgress) => void) {
    return this.call((api) => api.sweep(req, onProgress));
  }
  cancelSweep() {
    return this.call((api) => api.cancelSweep());
  }

  private wantsWasm(): boolean {
    return this.choice === 'wasm';
  }

  /** The provider requests go to now. */
  get provider(): Provider {
    return this.active.ep.provider;
  }

  private live(): Running[] {
    return [this.wasm, this.webgpu].filter((r): r is Running => r !== null && !r.retired);
  }
}
