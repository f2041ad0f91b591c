/**
 * Experiments in a worker (issue 18): one experiment at a time, its trainings one after another
 * (src/train/experiment.ts runExperiment), beside the training jobs (workers/jobs.ts) and like them
 * free of comlink, so Node tests run exactly what the worker runs.
 *
 * Its sessions run on the runtime's queue of runs (`queued`, `exclusive`), as a job's do, and it
 * gives the worker's message queue a turn between steps (`nextTask`): a stop, an analysis or a
 * map request that arrived meanwhile lands before the next step.
 */
import type { Experiment, ExperimentProgress, ExperimentResult, ExperimentRun } from '../src/spec/experiment';
import { nextTask, type Runtime } from '../src/runtime/ort';
import { runExperiment } from '../src/train/experiment';
import type { OrtLike } from '../src/train/trainer';
import { queued } from './jobs';

/** Why a second experiment is refused while one runs (an Error of this name; its message says what to do). */
export class ExperimentBusy extends Error {
  constructor() {
    super('an experiment is already running in this page: stop it, or wait for it to finish, before running another');
    this.name = 'ExperimentBusy';
  }
}

export class Experiments {
  private readonly ort: OrtLike;
  /** The experiment under way: its stop flag (null when none runs). */
  private running: { stopped: boolean } | null = null;

  /** Experiments on `runtime` (the worker's; its queue of runs is shared with the analyses and jobs), with sessions created by `ort` (the same module, cast). */
  constructor(
    readonly runtime: Runtime,
    ort: OrtLike,
  ) {
    this.ort = queued(ort, runtime);
  }

  /** Whether an experiment is under way. */
  get busy(): boolean {
    return this.running !== null;
  }

  /**
   * Runs `exp`, skipping the runs in `done` (kept from before: carried into the result as they
   * are). `onProgress` hears at least every 10 steps and after every run. Resolves with every run
   * (also when stopped: the run under way ends as 'stopped'); rejects with ExperimentBusy while
   * another experiment runs, and with ExperimentError for a definition that cannot run.
   */
  async run(exp: Experiment, done: readonly ExperimentRun[] = [], onProgress: (p: ExperimentProgress) => void = () => undefined): Promise<ExperimentResult> {
    if (this.running) throw new ExperimentBusy();
    const control = { stopped: false };
    this.running = control;
    try {
      return await runExperiment(this.ort, exp, {
        onProgress: (p) => {
          try {
            onProgress(p);
          } catch {
            // the page's listener is not the experiment's business
          }
        },
        stop: () => control.stopped,
        between: nextTask,
        // Always WASM, whatever the worker's provider: WASM computes the same numbers on every
        // machine, so a result (and a lesson's figures) is the same wherever it is run and can be
        // compared with `npm run experiment`'s in Node.
        providers: ['wasm'],
        trainer: { exclusive: (task) => this.runtime.exclusive(task) },
        done,
      });
    } finally {
      if (this.running === control) this.running = null;
    }
  }

  /** Stops the experiment under way after the step in progress (its run ends as 'stopped'); nothing when none runs. */
  stop(): void {
    if (this.running) this.running.stopped = true;
  }
}
