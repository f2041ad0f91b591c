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
import type { AnalysisRequest, BackendInfo, ContinueProgress, ContinueRequest, DecodeSweepProgress, DecodeSweepRequest, EvictionCostProgress, EvictionCostRequest, InferenceApi, LatencyMode, ModelSlot, PruneRequest, RestoreRequest, ServingRequest, SweepProgress, SweepRequest, TrainProgress, TrainRequest, ViewRef, WorkerEvent, WorkerInfo } from '../../workers/api';
import { ERROR, REQUEST_ERRORS, errorParts } from '../spec/errors';
import type { Experiment, ExperimentProgress, ExperimentRun } from '../spec/experiment';

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
  | { kind: 'failed'; message: string }
  /** Whether any request (an analysis, a latency figure, a sweep) is in flight in any worker: sent when that changes. */
  | { kind: 'busy'; busy: boolean };

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
    this.name = ERROR.WorkerLost;
  }
}

/**
 * One worker's life. The host moves it only through these transitions:
 *
 *   starting ──ready──▶ ready
 *      │                  │
 *      ├──────retire──────┴──▶ retired   the host stopped it: a switch, a fallback, a broken runtime
 *      └──────lose────────┴──▶ lost      it ended by itself (crash, browser); requests in flight reject
 */
export type WorkerPhase = 'starting' | 'ready' | 'retired' | 'lost';

/** A started worker and what the host knows of it. */
interface Worker {
  ep: Endpoint;
  phase: WorkerPhase;
  /** Resolves once the worker's runtime is loaded (phase ready); rejects if it is lost first. */
  ready: Promise<WorkerInfo>;
  /** The error requests get once it is lost (phase lost). */
  lostWith: WorkerLost | null;
  /**
   * Requests in flight, each rejected when the worker is lost. Any kind of work (an analysis, a
   * sweep, a long job) waits here alike. (Not Promise.race against the loss: each race would leave
   * a reaction behind on a promise that never settles while the worker lives.)
   */
  waiting: Set<(e: Error) => void>;
}

/**
 * The WebGPU worker's part. The WASM worker always exists (restarted when lost); requests go to
 * the WebGPU worker only while it is `active`:
 *
 *   deferred ──first result, or WebGPU chosen──▶ starting ──it runs on WebGPU──▶ active
 *                                                    │                              │
 *        off (why) ◀────── no adapter, failed to start, fell back, WASM chosen ─────┘
 *
 * From `off`, choosing Auto or WebGPU starts it again.
 */
export type GpuState = { phase: 'deferred' } | { phase: 'starting'; worker: Worker } | { phase: 'active'; worker: Worker } | { phase: 'off'; why: string };

/** Everything the host knows: the WASM worker, the WebGPU worker's state, the person's choice. */
interface HostState {
  wasm: Worker;
  gpu: GpuState;
  choice: BackendChoice;
  /** WASM workers lost since the last answered analysis: a model that kills its worker is not run again in a loop. */
  losses: number;
}

export interface HostOptions {
  /** Why WebGPU cannot be used here, or null when an adapter exists. */
  webGpuUnavailable(): Promise<string | null>;
  choice?: BackendChoice;
}

const label = (p: Provider) => (p === 'webgpu' ? 'WebGPU' : 'WASM');
const gpuWorker = (g: GpuState): Worker | null => (g.phase === 'starting' || g.phase === 'active' ? g.worker : null);

export class WorkerHost implements RuntimeApi {
  private state: HostState;
  private listeners: ((e: HostEvent) => void)[] = [];
  /** Why WebGPU cannot be used here (null: it can), asked once: requesting an adapter loads nothing big. */
  private readonly gpuMissing: Promise<string | null>;

  constructor(
    private readonly spawn: Spawn,
    opts: HostOptions,
  ) {
    const choice = opts.choice ?? 'auto';
    this.gpuMissing = opts.webGpuUnavailable().catch((e: unknown) => `the WebGPU check failed: ${errorParts(e).message}`);
    this.state = { wasm: this.start('wasm'), gpu: choice === 'wasm' ? { phase: 'off', why: 'WASM was chosen' } : { phase: 'deferred' }, choice, losses: 0 };
  }

  /** The worker requests go to now. */
  private get active(): Worker {
    return this.state.gpu.phase === 'active' ? this.state.gpu.worker : this.state.wasm;
  }

  /** A WASM worker's facts, with why WebGPU is not in use as the page should say it. */
  private async withReason(info: WorkerInfo): Promise<WorkerInfo> {
    const missing = await this.gpuMissing;
    const reason = missing ?? (this.state.choice === 'wasm' ? 'WASM was chosen' : 'WebGPU starts after the first map');
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

  // ── transitions of one worker ──────────────────────────────────────────────────────────────

  /** → starting: spawns a worker and watches it (→ ready once its runtime loaded, → lost when it ends by itself). */
  private start(provider: Provider): Worker {
    const ep = this.spawn(provider);
    const w: Worker = { ep, phase: 'starting', ready: null as unknown as Promise<WorkerInfo>, lostWith: null, waiting: new Set() };
    const lost = ep.gone.then((why) => {
      this.lose(w, why);
      throw w.lostWith!;
    });
    lost.catch(() => undefined);
    w.ready = Promise.race([ep.api.init((e) => this.fromWorker(w, e)), lost]).then((info) => {
      if (w.phase === 'starting') w.phase = 'ready';
      ep.watch();
      return provider === 'wasm' ? this.withReason(info) : info;
    });
    w.ready.catch(() => undefined);
    return w;
  }

  /** → lost: the worker ended without being asked to; its requests reject, and the host reacts. */
  private lose(w: Worker, why: string): void {
    if (w.phase === 'lost') return;
    const error = new WorkerLost(w.ep.provider, why);
    w.lostWith = error;
    for (const reject of w.waiting) reject(error);
    w.waiting.clear();
    this.tellBusy();
    if (w.phase === 'retired') return; // the host stopped it: its end is no news
    w.phase = 'lost';
    w.ep.terminate();
    if (w.ep.provider === 'webgpu') {
      // While starting, startGpu() hears of it from `ready` and says why.
      if (this.state.gpu.phase === 'active' && this.state.gpu.worker === w) this.fallBack(`The WebGPU worker stopped (${why}). Running on WASM now.`);
      return;
    }
    if (w !== this.state.wasm) return;
    this.state.losses++;
    const again = this.state.losses <= 1;
    this.restartWasm(
      again
        ? `The WASM worker stopped (${why}). It was restarted, and the model is being run again.`
        : `The WASM worker stopped again (${why}). It was restarted; the model was not run again, since it may be what stops it. Edit the model to run it.`,
      again,
    );
  }

  /** → retired: the host stops the worker itself. */
  private retire(w: Worker): void {
    if (w.phase === 'retired' || w.phase === 'lost') return;
    w.phase = 'retired';
    w.ep.terminate();
  }

  private fromWorker(w: Worker, e: WorkerEvent): void {
    if (w.phase === 'retired' || w.phase === 'lost') return;
    if (e.kind === 'device-lost') {
      if (gpuWorker(this.state.gpu) === w) this.fallBack(`The WebGPU device was lost (${e.message}). Running on WASM now.`);
      return;
    }
    if (w === this.active || e.kind === 'loading') this.emit(e);
  }

  // ── transitions of the host ────────────────────────────────────────────────────────────────

  /** A new WASM worker in place of the old one; `rerun` asks for the models on screen once it is ready. */
  private restartWasm(text: string, rerun: boolean): void {
    this.retire(this.state.wasm);
    const w = (this.state.wasm = this.start('wasm'));
    w.ready.then(
      (info) => {
        if (this.active === w) this.emit({ kind: 'ready', info });
        this.emit({ kind: 'changed', tone: 'warning', text, rerun: rerun && this.active === w });
      },
      (e: unknown) => this.emit({ kind: 'failed', message: `The WASM worker could not be restarted: ${errorParts(e).message}` }),
    );
  }

  /** gpu → active: requests go to WebGPU; the page is told and the models on screen run again. */
  private activateGpu(w: Worker, info: WorkerInfo): void {
    this.setGpu({ phase: 'active', worker: w });
    this.emit({ kind: 'ready', info });
    this.emit({ kind: 'changed', tone: 'info', text: 'Running on WebGPU now.', rerun: true });
  }

  /** gpu → off: the WebGPU worker is stopped and requests go to WASM; `why` is said as a warning (or as info when chosen). */
  private toWasm(why: string, tone: 'info' | 'warning'): void {
    const w = gpuWorker(this.state.gpu);
    const wasActive = this.state.gpu.phase === 'active';
    this.setGpu({ phase: 'off', why });
    if (w) this.retire(w);
    if (!wasActive) return;
    const wasm = this.state.wasm;
    wasm.ready.then(
      (ready) => {
        if (this.active !== wasm) return;
        // Back on WASM after a failure: the failure is why WebGPU is not in use.
        const info = tone === 'warning' ? { ...ready, backend: { ...ready.backend, fallbackReason: why } } : ready;
        this.emit({ kind: 'ready', info });
        this.emit({ kind: 'changed', tone, text: why, rerun: true });
      },
      () => undefined, // its own loss is reported by lose()
    );
  }

  /** Leaves WebGPU for WASM after a failure (a lost device, a dead worker, a failed run). */
  private fallBack(text: string): void {
    this.toWasm(text, 'warning');
  }

  /** The provider wanted from now on; switching re-runs the model on screen. */
  async choose(choice: BackendChoice): Promise<void> {
    this.state.choice = choice;
    if (choice === 'wasm') {
      if (gpuWorker(this.state.gpu)) this.toWasm('Running on WASM, as chosen.', 'info');
      else this.setGpu({ phase: 'off', why: 'WASM was chosen' });
      return;
    }
    await this.startGpu(choice === 'webgpu');
  }

  /** gpu deferred/off → starting → active (or off, with why): when WebGPU is wanted and possible. */
  private async startGpu(asked: boolean): Promise<void> {
    if (gpuWorker(this.state.gpu)) return;
    const unavailable = await this.gpuMissing;
    if (unavailable) {
      this.setGpu({ phase: 'off', why: unavailable });
      if (asked) this.emit({ kind: 'changed', tone: 'warning', text: `WebGPU is not available here (${unavailable}). Running on WASM.`, rerun: false });
      return;
    }
    if (this.wasmChosen() || gpuWorker(this.state.gpu)) return;
    const w = this.start('webgpu');
    this.setGpu({ phase: 'starting', worker: w });
    const stillStarting = () => this.state.gpu.phase === 'starting' && this.state.gpu.worker === w;
    const giveUp = (text: string) => {
      this.setGpu({ phase: 'off', why: text });
      this.retire(w);
      this.emit({ kind: 'changed', tone: 'warning', text, rerun: false });
    };
    let info: WorkerInfo;
    try {
      info = await w.ready;
    } catch (e) {
      if (stillStarting()) giveUp(`WebGPU could not start (${errorParts(e).message}). Running on WASM.`);
      else this.retire(w);
      return;
    }
    if (!stillStarting() || this.wasmChosen()) return this.retire(w);
    if (info.backend.provider !== 'webgpu') return giveUp(`WebGPU could not be used (${info.backend.fallbackReason ?? 'no reason given'}). Running on WASM.`);
    this.activateGpu(w, info);
  }

  // ── requests ───────────────────────────────────────────────────────────────────────────────

  /**
   * Runs `task` on the active worker; a worker lost meanwhile rejects it with WorkerLost. A broken
   * runtime gets its worker replaced. On WebGPU, a failure that is not the request's own (budget,
   * validation, superseded) is tried again on WASM, which becomes active when it succeeds.
   */
  private async call<R>(task: (api: InferenceApi) => Promise<R>): Promise<R> {
    const w = this.active;
    await w.ready;
    try {
      return await this.on(w, task);
    } catch (e) {
      const { name, message } = errorParts(e);
      if (this.replaceIfBroken(w, name)) throw e;
      if (w.ep.provider === 'webgpu' && !REQUEST_ERRORS.has(name) && name !== ERROR.WorkerLost) {
        const wasm = this.state.wasm;
        await wasm.ready;
        const answer = await this.on(wasm, task);
        if (gpuWorker(this.state.gpu) === w) this.fallBack(`WebGPU could not run this model (${message.slice(0, 160)}); WASM could. Running on WASM now.`);
        return answer;
      }
      throw e;
    }
  }

  /** After a RuntimeBroken answer from `w` (error `name`): replaces the worker; true when it did. */
  private replaceIfBroken(w: Worker, name: string): boolean {
    if (name !== ERROR.RuntimeBroken || w.phase === 'retired' || w.phase === 'lost') return false;
    if (w.ep.provider === 'wasm') this.restartWasm('The WASM worker was restarted after its runtime failed.', false);
    else this.fallBack('The WebGPU runtime failed and was stopped. Running on WASM now.');
    return true;
  }

  /**
   * `task` on worker `w`, rejected with WorkerLost if the worker goes first. A `long` task (a
   * training job) is not counted as busy: the page shows its progress itself, and waits for the
   * page's work (e2e/helpers.ts) must not wait for a job to end.
   */
  private on<R>(w: Worker, task: (api: InferenceApi) => Promise<R>, long = false): Promise<R> {
    if (w.lostWith) return Promise.reject(w.lostWith);
    return new Promise<R>((resolve, reject) => {
      w.waiting.add(reject);
      if (long) this.longJobs.add(reject);
      this.tellBusy();
      task(w.ep.api)
        .then(resolve, reject)
        .finally(() => {
          w.waiting.delete(reject);
          this.longJobs.delete(reject);
          this.tellBusy();
        });
    });
  }

  /** The requests in flight that are training jobs (see `on`). */
  private readonly longJobs = new Set<(e: Error) => void>();
  /** The worker each slot's newest training job runs in: its controls go there, wherever analyses go now. */
  private readonly jobWorkers = new Map<ModelSlot, Worker>();

  /** Every change of the WebGPU worker's state goes through here (a starting worker counts as work in progress). */
  private setGpu(gpu: GpuState): void {
    this.state.gpu = gpu;
    this.tellBusy();
  }

  private wasBusy = false;
  /** Says when the workers go from idle to busy and back (tests wait on the page's progress, not a clock). */
  private tellBusy(): void {
    const busy = this.inFlightEverywhere() > 0 || this.state.gpu.phase === 'starting';
    if (busy === this.wasBusy) return;
    this.wasBusy = busy;
    this.emit({ kind: 'busy', busy });
  }

  private inFlightEverywhere(): number {
    return [this.state.wasm, gpuWorker(this.state.gpu)].reduce((n, w) => n + (w ? w.waiting.size : 0), 0) - this.longJobs.size;
  }

  /** Where the WebGPU worker is in its life (see GpuState). */
  get gpuPhase(): GpuState['phase'] {
    return this.state.gpu.phase;
  }

  /** How many requests the active worker has not answered yet (tests: nothing is left behind). */
  get inFlight(): number {
    return this.active.waiting.size;
  }

  /** The files of the opened models by slot, kept in the page: a worker that does not hold one (restarted, or the other backend) is sent it again. */
  private readonly openedFiles = new Map<ModelSlot, { key: string; bytes: Uint8Array; fileName: string }>();

  async openModel(slot: ModelSlot, key: string, bytes: Uint8Array, fileName: string) {
    const info = await this.call((api) => (api.openModel ? api.openModel(slot, key, bytes, fileName) : Promise.reject(new Error('this worker cannot open models'))));
    this.openedFiles.set(slot, { key, bytes, fileName });
    return info;
  }
  async closeModel(slot: ModelSlot) {
    this.openedFiles.delete(slot);
    await Promise.all(this.live().map((r) => r.ep.api.closeModel?.(slot).catch(() => undefined)));
  }

  /** `task` for `req`; for an opened model's request, a worker that answers NotOpened is sent the file, then asked again. */
  private withOpened<R>(req: AnalysisRequest, task: (api: InferenceApi) => Promise<R>): (api: InferenceApi) => Promise<R> {
    const key = req.opened?.key;
    if (key === undefined) return task;
    return async (api) => {
      try {
        return await task(api);
      } catch (e) {
        const slot = req.slot ?? 'a';
        const file = this.openedFiles.get(slot);
        if (errorParts(e).name !== ERROR.NotOpened || file?.key !== key) throw e;
        await api.openModel?.(slot, file.key, file.bytes, file.fileName);
        return task(api);
      }
    };
  }

  analyse(req: AnalysisRequest) {
    return this.call(this.withOpened(req, (api) => api.analyse(req))).then((r) => {
      this.state.losses = 0;
      // On demand: the first result is drawn before WebGPU is loaded.
      if (this.state.gpu.phase === 'deferred') void this.startGpu(this.state.choice === 'webgpu');
      return r;
    });
  }
  stats(req: AnalysisRequest) {
    return this.call((api) => api.stats(req));
  }
  serving(req: ServingRequest) {
    return this.call((api) => api.serving(req));
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
    this.openedFiles.delete(slot);
    await Promise.all(this.live().map((r) => r.ep.api.releaseSlot(slot).catch(() => undefined)));
  }
  memory() {
    return this.call((api) => api.memory());
  }
  latency(req: AnalysisRequest, mode: LatencyMode) {
    return this.call(this.withOpened(req, (api) => api.latency(req, mode)));
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
  continueText(req: ContinueRequest, onProgress?: (p: ContinueProgress) => void) {
    return this.call((api) => api.continueText(req, onProgress));
  }
  evictionCost(req: EvictionCostRequest, onProgress?: (p: EvictionCostProgress) => void) {
    return this.call((api) => api.evictionCost(req, onProgress));
  }
  decodeSweep(req: DecodeSweepRequest, onProgress: (p: DecodeSweepProgress) => void) {
    return this.call((api) => (api.decodeSweep ? api.decodeSweep(req, onProgress) : Promise.reject(new Error('this worker has no decode sweep'))));
  }
  cancelDecodeSweep() {
    return this.call((api) => api.cancelDecodeSweep?.() ?? Promise.resolve());
  }
  reduceTokens(req: PruneRequest) {
    return this.call((api) => api.reduceTokens!(req));
  }

  /**
   * A training job on the active worker. Unlike an analysis it is never run again elsewhere: its
   * weights and moments live in that worker, so a lost worker rejects it with WorkerLost (and a
   * broken runtime replaces the worker, as for any request); resuming from a checkpoint is the
   * page's job controller's to decide.
   */
  async train(req: TrainRequest, onProgress: (p: TrainProgress) => void) {
    const w = this.active;
    await w.ready;
    this.jobWorkers.set(req.slot ?? 'a', w);
    try {
      return await this.on(w, (api) => api.train(req, onProgress), true);
    } catch (e) {
      this.replaceIfBroken(w, errorParts(e).name);
      throw e;
    }
  }
  pauseTraining(slot: ModelSlot) {
    return this.onJob(slot, (api) => api.pauseTraining(slot), undefined);
  }
  resumeTraining(slot: ModelSlot) {
    return this.onJob(slot, (api) => api.resumeTraining(slot), undefined);
  }
  stopTraining(slot: ModelSlot) {
    return this.onJob(slot, (api) => api.stopTraining(slot), undefined);
  }
  resetTraining(slot: ModelSlot) {
    return this.onJob(slot, (api) => api.resetTraining(slot), undefined);
  }
  trainedWeights(slot: ModelSlot) {
    return this.onJob(slot, (api) => api.trainedWeights(slot), null);
  }
  /** Trained weights held in `slot` on the active worker (it becomes the slot's job's worker, as train does). */
  async restoreTraining(slot: ModelSlot, req: RestoreRequest) {
    const w = this.active;
    await w.ready;
    this.jobWorkers.set(slot, w);
    return this.on(w, (api) => api.restoreTraining(slot, req));
  }
  exportTrained(slot: ModelSlot, mode: 'inspect' | 'fast', T: number) {
    return this.onJob(slot, (api) => api.exportTrained(slot, mode, T), null).then((bytes) => {
      if (!bytes) throw new Error(`model ${slot.toUpperCase()} has no trained weights in this page: train it (or import a trained model) first`);
      return bytes;
    });
  }

  /** The worker the experiment under way runs in (its Stop goes there). */
  private experimentWorker: Worker | null = null;

  /**
   * An experiment, always on the WASM worker (its trainings run on WASM wherever they run, and the
   * WASM worker is the one that always exists), never run again elsewhere: a lost worker rejects it
   * with WorkerLost, and the page keeps the runs that had finished. Not counted as busy, like a job.
   */
  async runExperiment(exp: Experiment, done: readonly ExperimentRun[], onProgress: (p: ExperimentProgress) => void) {
    const w = this.state.wasm;
    await w.ready;
    this.experimentWorker = w;
    try {
      return await this.on(w, (api) => api.runExperiment(exp, done, onProgress), true);
    } catch (e) {
      this.replaceIfBroken(w, errorParts(e).name);
      throw e;
    }
  }
  async stopExperiment() {
    const w = this.experimentWorker;
    if (!w || w.phase === 'retired' || w.phase === 'lost') return;
    await this.on(w, (api) => api.stopExperiment());
  }

  /** `task` on the worker that runs `slot`'s job; `none` when there is no such worker alive (nothing to control). */
  private async onJob<R>(slot: ModelSlot, task: (api: InferenceApi) => Promise<R>, none: R): Promise<R> {
    const w = this.jobWorkers.get(slot);
    if (!w || w.phase === 'retired' || w.phase === 'lost') return none;
    return this.on(w, task);
  }

  /** Read anew after each await: the person may have chosen meanwhile. */
  private wasmChosen(): boolean {
    return this.state.choice === 'wasm';
  }

  /** The provider requests go to now. */
  get provider(): Provider {
    return this.active.ep.provider;
  }

  private live(): Worker[] {
    return [this.state.wasm, gpuWorker(this.state.gpu)].filter((w): w is Worker => w !== null && (w.phase === 'starting' || w.phase === 'ready'));
  }
}
