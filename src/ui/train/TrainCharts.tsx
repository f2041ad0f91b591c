/**
 * The live training charts: loss and held-out accuracy (A and B in compare mode), gradient norm
 * per layer, entropy per head, and a head statistic per head (HeadStatsChart). Each redraws on every progress report from the run in the store.
 */
import { useApp } from '../useApp';
import { GradNormChart } from './GradNormChart';
import { HeadEntropyChart } from './HeadEntropyChart';
import { HeadStatsChart } from './HeadStatsChart';
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
      <HeadStatsChart />
    </div>
  );
}
