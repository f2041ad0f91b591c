/**
 * The Training panel: the recipe and its controls (TrainControls), the live charts (TrainCharts),
 * the timeline over the snapshots (Timeline), and keeping and sharing what was learned
 * (TrainFiles). Everything it shows comes from the store's `training` (src/state/training.ts).
 */
import { Timeline } from './Timeline';
import { TrainCharts } from './TrainCharts';
import { TrainControls } from './TrainControls';
import { TrainData } from './TrainData';
import { TrainFiles } from './TrainFiles';
import './train.css';

export function TrainPanel() {
  return (
    <section className="panel train-panel" aria-labelledby="train-title" data-testid="train-panel">
      <h2 id="train-title">Training</h2>
      <TrainControls />
      <TrainCharts />
      <Timeline />
      <TrainFiles />
      <TrainData />
    </section>
  );
}
