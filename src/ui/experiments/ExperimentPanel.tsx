/**
 * The Experiments panel: an experiment's question, its definition (folded when a lesson set it),
 * Run and Stop with one progress bar over all its runs, and its results as a table, charts and
 * files. Everything comes from the store's `experiments` (src/state/experiments.ts); the runs train
 * in the worker on WASM (workers/experiments.ts), so a definition gives the same numbers on any
 * machine. ExperimentView takes the state and actions as props (tests need no store).
 */
import { useMemo } from 'react';
import type { Experiment, SummaryRow } from '../../spec/experiment';
import { readExperiment } from '../../spec/experimentSchema';
import type { Recipe } from '../../spec/recipe';
import type { Spec } from '../../spec/types';
import type { ExperimentsActions, ExperimentsState } from '../../state/experiments';
import { planRuns, summarize } from '../../train/experiment';
import { useApp } from '../useApp';
import { DefinitionEditor } from './DefinitionEditor';
import { runCount } from './definition';
import { ExperimentFiles } from './ExperimentFiles';
import { progressText } from './results';
import { ResultsChart } from './ResultsChart';
import { ResultsTable } from './ResultsTable';
import './experiments.css';

const STATUS_WORDS: Record<ExperimentsState['status'], string> = {
  idle: 'Ready to run',
  running: 'Running',
  stopping: 'Stopping after the step under way',
  done: 'Finished',
  stopped: 'Stopped: Run goes on with the runs still missing',
  failed: 'Failed',
};

/** Why a definition cannot run, in one sentence (the schema's first problem, else the runner's plan), or null. */
export function definitionProblem(e: Experiment): string | null {
  const r = readExperiment(e);
  if (!r.ok) return `${r.errors[0] ?? 'The definition is not valid'}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more)` : ''}.`;
  try {
    planRuns(r.experiment);
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return null;
}

export interface ExperimentViewProps {
  state: ExperimentsState;
  actions: ExperimentsActions;
  rows: readonly SummaryRow[];
  modelA: Spec;
  modelB: Spec | null;
  trainRecipe: Recipe;
  /** A lesson is being followed: its definition is shown folded. */
  lesson: boolean;
}

export function ExperimentView({ state, actions, rows, modelA, modelB, trainRecipe, lesson }: ExperimentViewProps) {
  const { definition: e, status, progress, result, notice } = state;
  const busy = status === 'running' || status === 'stopping';
  const planned = runCount(e);
  const finished = result ? result.runs.filter((r) => r.status === 'done' || r.status === 'diverged').length : 0;
  const fraction = progress ? progress.fraction : planned ? Math.min(1, finished / planned) : 0;
  const line = progress && busy ? progressText(progress) : `${finished} of ${planned} run${planned === 1 ? '' : 's'} finished`;
  const missing = Math.max(0, planned - finished);
  return (
    <div className="experiments-body" data-testid="experiment-panel">
      <h3 className="experiment-title" data-testid="experiment-title">
        {e.title}
      </h3>
      {e.question ? <p className="experiment-question">{e.question}</p> : null}
      <details className="experiment-definition" open={!lesson}>
        <summary>Definition: {planned} run{planned === 1 ? '' : 's'}{lesson ? ' (set by the lesson)' : ''}</summary>
        <DefinitionEditor
          definition={e}
          apply={actions.setDefinition}
          check={definitionProblem}
          fromModels={actions.fromModels}
          modelA={modelA}
          modelB={modelB}
          trainRecipe={trainRecipe}
          disabled={busy}
        />
      </details>
      <div className="experiment-controls">
        <button type="button" className="primary" disabled={busy || missing === 0} onClick={() => void actions.run()} data-testid="experiment-run" title={missing === 0 ? 'Every run has finished: Forget its kept results to run it again' : undefined}>
          {!busy && finished > 0 && missing > 0 ? `Run the ${missing} missing` : 'Run'}
        </button>
        <button type="button" disabled={status !== 'running'} onClick={() => actions.stop()} data-testid="experiment-stop">
          Stop
        </button>
        <span className="experiment-status" role="status" data-testid="experiment-status" data-status={status} data-runs={result?.runs.length ?? 0}>
          {STATUS_WORDS[status]}
        </span>
      </div>
      <div className="experiment-progress">
        <progress max={1} value={fraction} data-testid="experiment-progress" aria-label="Experiment progress" />
        <span data-testid="experiment-progress-text">{line}</span>
      </div>
      <p className="hint">Experiments train on WASM, so the same definition gives the same results on any machine.</p>
      {notice ? (
        <p className="experiment-notice" role="alert" data-testid="experiment-notice">
          {notice}
        </p>
      ) : null}
      {result && rows.length ? (
        <>
          <ResultsTable result={result} rows={rows} />
          <ResultsChart result={result} rows={rows} />
        </>
      ) : (
        <p className="hint">The results appear here as each run finishes: a table of means over the seeds and charts of them.</p>
      )}
      <ExperimentFiles state={state} actions={actions} />
    </div>
  );
}

export function ExperimentPanel() {
  const state = useApp((s) => s.experiments);
  const actions = useApp((s) => s.experimentsActions);
  const modelA = useApp((s) => s.spec);
  const modelB = useApp((s) => s.compare?.specB ?? null);
  const trainRecipe = useApp((s) => s.training.recipe);
  const lesson = useApp((s) => s.lesson !== null);
  const result = state.result;
  const rows = useMemo(() => (result ? summarize(result) : []), [result]);
  return (
    <section className="panel experiments-panel" aria-labelledby="experiments-title" data-testid="experiments-panel">
      <h2 id="experiments-title">Experiments</h2>
      <ExperimentView state={state} actions={actions} rows={rows} modelA={modelA} modelB={modelB} trainRecipe={trainRecipe} lesson={lesson} />
    </section>
  );
}
