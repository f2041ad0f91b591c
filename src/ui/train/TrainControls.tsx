/** The recipe's fields and the Train, Pause, Resume, Stop and Reset buttons, with the progress of the run. */
import { useApp } from '../useApp';

export function TrainControls() {
  const run = useApp((s) => s.training.runs.a);
  const actions = useApp((s) => s.trainingActions);
  const active = run?.status === 'starting' || run?.status === 'running' || run?.status === 'paused';
  return (
    <div className="train-controls">
      <button type="button" data-testid="train-start" onClick={() => actions.start()} disabled={active}>
        Train
      </button>
      <button type="button" data-testid="train-pause" onClick={() => actions.pause()} disabled={run?.status !== 'running'}>
        Pause
      </button>
      <button type="button" data-testid="train-resume" onClick={() => actions.resume()} disabled={run?.status !== 'paused'}>
        Resume
      </button>
      <button type="button" data-testid="train-stop" onClick={() => actions.stop()} disabled={!active}>
        Stop
      </button>
      <button type="button" data-testid="train-reset" onClick={() => actions.reset()} disabled={!run}>
        Reset
      </button>
      <span data-testid="train-status" data-status={run?.status ?? 'none'} data-step={run?.step ?? 0}>
        {run ? `${run.status}: step ${run.step} of ${run.steps}` : 'not trained'}
      </span>
    </div>
  );
}
