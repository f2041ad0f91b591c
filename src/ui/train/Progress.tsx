/**
 * A run's progress: a bar of steps taken, the speed, the time left, and the status in words (with
 * the worker's message when it was refused, stopped, diverged or failed). One per model trained.
 */
import type { TrainingRun } from '../../state/training';
import { drawnDataWanted } from '../views/drawnData';
import { formatDuration, secondsLeft } from './recipeChecks';

/** The status in words. */
const STATUS_WORDS: Record<TrainingRun['status'], string> = {
  starting: 'starting (compiling the training step)',
  running: 'running',
  paused: 'paused',
  done: 'done',
  stopped: 'stopped',
  diverged: 'diverged',
  failed: 'failed',
  refused: 'refused',
};

export function RunProgress({ run, label, slot }: { run: TrainingRun; label: string; slot: TrainingRun['slot'] }) {
  const suffix = slot === 'a' ? '' : `-${slot}`;
  const left = run.status === 'running' ? secondsLeft(run.step, run.steps, run.stepsPerSecond) : null;
  const loss = run.reports.at(-1)?.loss;
  const held = run.evaluations.at(-1);
  const share = run.steps ? run.step / run.steps : 0;
  const problem = run.status === 'refused' || run.status === 'failed' || run.status === 'diverged';
  // For the page's tests (src/ui/views/drawnData.ts): every step's number and loss, as received.
  const drawn = drawnDataWanted() ? { 'data-report-steps': run.reports.map((r) => r.step).join(','), 'data-losses': run.reports.map((r) => r.loss).join(',') } : {};
  return (
    <div className={`train-progress${problem ? ' problem' : ''}`}>
      <div className="train-progress-head">
        <span className="train-progress-label">{label}</span>
        <span data-testid={`train-status${suffix}`} data-status={run.status} data-step={run.step} className="train-status">
          {STATUS_WORDS[run.status]}
        </span>
      </div>
      <div
        className="train-bar"
        role="progressbar"
        aria-label={`${label}: training steps taken`}
        aria-valuemin={0}
        aria-valuemax={run.steps}
        aria-valuenow={run.step}
        aria-valuetext={`step ${run.step} of ${run.steps}`}
        data-testid={`train-progress${suffix}`}
        {...drawn}
      >
        <span style={{ width: `${Math.min(1, share) * 100}%` }} />
      </div>
      <p className="train-figures">
        step {run.step.toLocaleString('en-US')} of {run.steps.toLocaleString('en-US')}
        {run.stepsPerSecond !== null ? ` · ${run.stepsPerSecond.toFixed(1)} steps/s` : ''}
        {left !== null ? ` · ${formatDuration(left)} left` : ''}
        {loss !== undefined ? ` · loss ${loss.toFixed(3)}` : ''}
        {run.provider ? <span data-testid={`train-provider${suffix}`} data-provider={run.provider}>{` · on ${run.provider === 'webgpu' ? 'WebGPU' : 'WASM'}`}</span> : null}
      </p>
      {run.fallbackReason ? (
        <p className="hint" data-testid={`train-fallback${suffix}`}>
          {run.fallbackReason}
        </p>
      ) : null}
      {held ? (
        <p className="train-figures" data-testid={`train-accuracy${suffix}`} data-accuracy={held.accuracy} data-step={held.step}>
          held-out accuracy {(100 * held.accuracy).toFixed(1)}% · held-out loss {held.loss.toFixed(3)} (step {held.step.toLocaleString('en-US')})
        </p>
      ) : null}
      {run.message ? (
        <p className={problem ? 'field-error' : 'hint'} data-testid={`train-message${suffix}`}>
          {run.message}
        </p>
      ) : null}
    </div>
  );
}
