/**
 * The live training charts: loss and held-out accuracy (A and B in compare mode), gradient norm
 * per layer, and entropy per head. Each redraws on every progress report from the run in the store.
 */
import { useApp } from '../useApp';
import { GradNormChart } from './GradNormChart';
import { HeadEntropyChart } from './HeadEntropyChart';
import { LossChart } from './LossChart';
import './charts.css';

export function TrainCharts() {
  const trained = useApp((s) => s.training.runs.a !== null);
  if (!trained) return null;
  return (
    <div className="train-charts" data-testid="train-charts">
      <LossChart />
      <GradNormChart />
      <HeadEntropyChart />
    </div>
  );
}
