/**
 * The training runs' figures as data attributes, for the end-to-end tests only (written when
 * drawnDataWanted(), like the views' drawn values): per slot, every step's loss as JSON and the
 * provider the steps run on. Hidden; the page never reads it.
 */
import { drawnDataWanted } from '../views/drawnData';
import { useApp } from '../useApp';

export function TrainData() {
  const runs = useApp((s) => s.training.runs);
  if (!drawnDataWanted()) return null;
  return (
    <div hidden data-testid="train-data">
      {(['a', 'b'] as const).map((slot) => {
        const run = runs[slot];
        return run ? (
          <span
            key={slot}
            data-testid={`train-data-${slot}`}
            data-slot={slot}
            data-job={run.job ?? ''}
            data-status={run.status}
            data-provider={run.provider ?? ''}
            data-fallback-reason={run.fallbackReason ?? ''}
            data-losses={JSON.stringify(run.reports.map((r) => r.loss))}
          />
        ) : null;
      })}
    </div>
  );
}
