/**
 * Which weights a view shows, as a badge: "initial (seed 1)" or "trained: 1,200 steps of copy"
 * (describeWeights in src/state/training.ts, from the weights the result was computed on).
 */
import { describeWeights, type TrainingRun } from '../../state/training';
import { useApp } from '../useApp';

export function WeightsBadge({ slot = 'a' }: { slot?: TrainingRun['slot'] }) {
  const result = useApp((s) => (slot === 'a' ? s.result : (s.compare?.resultB ?? null)));
  const run = useApp((s) => s.training.runs[slot]);
  // An opened model's weights are its file's: the opened model's badge names it.
  const text = result?.data.opened ? `the weights in ${result.data.opened.fileName}` : describeWeights(result, run);
  if (!text) return null;
  const trained = text.startsWith('trained');
  return (
    <span
      className={`badge weights-badge${trained ? ' trained' : ''}`}
      data-testid={slot === 'a' ? 'weights-badge' : `weights-badge-${slot}`}
      data-weights={result?.data.weights ?? ''}
      title={`The weights this view was computed on${slot === 'b' ? ' (model B)' : ''}: the initial ones drawn from the seed, or the training job's current ones`}
    >
      {slot === 'b' ? `B: ${text}` : text}
    </span>
  );
}
