/**
 * An experiment's files: its results as CSV (one line per run), its summary as CSV (one line per
 * row) and everything as JSON (src/train/experimentFile.ts); its definition as a JSON file, and
 * import of one (or of a results JSON, whose definition it takes), checked with readExperiment: a
 * refused file is named with the reason, and the definition on screen stays. The results kept in
 * this browser are listed here too, to open or forget. The page's Copy link already carries the
 * definition (src/state/share.ts), so there is no second link button.
 */
import { useId, useState, type ChangeEvent } from 'react';
import type { Experiment, ExperimentResult } from '../../spec/experiment';
import { readExperiment } from '../../spec/experimentSchema';
import type { ExperimentsActions, ExperimentsState } from '../../state/experiments';
import { resultsCsv, resultsJson, summaryCsv } from '../../train/experimentFile';
import { download } from '../views/ExportButtons';
import { definitionFromFile, fileStem } from './files';

type Message = { tone: 'done' | 'refused'; text: string } | null;

export function ExperimentFiles(props: { state: Pick<ExperimentsState, 'definition' | 'result' | 'kept' | 'status'>; actions: Pick<ExperimentsActions, 'setDefinition' | 'open' | 'forget'> }) {
  const { definition, result, kept, status } = props.state;
  const { setDefinition, open, forget } = props.actions;
  const inputId = useId();
  const [message, setMessage] = useState<Message>(null);
  const busy = status === 'running' || status === 'stopping';
  const stem = fileStem(definition.title);
  const hasRuns = !!result && result.runs.length > 0;

  const save = (text: string, kind: 'csv' | 'json', name: string) => download(new Blob([text], { type: kind === 'csv' ? 'text/csv' : 'application/json' }), name);
  const exportResult = (what: 'runs' | 'summary' | 'json', r: ExperimentResult) => {
    if (what === 'runs') save(resultsCsv(r), 'csv', `${stem}.runs.csv`);
    else if (what === 'summary') save(summaryCsv(r), 'csv', `${stem}.summary.csv`);
    else save(resultsJson(r), 'json', `${stem}.results.json`);
  };

  const importFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = ''; // the same file chosen again is read again
    if (!file) return;
    const refuse = (why: string) => setMessage({ tone: 'refused', text: `${file.name} was not imported: ${why}. The definition is unchanged.` });
    if (file.size > 4_000_000) return refuse(`it is ${file.size.toLocaleString('en-US')} bytes, more than any definition`);
    const read = definitionFromFile(await file.text(), readExperiment);
    if (!read.ok) return refuse(read.reason);
    if (!setDefinition(read.experiment)) return refuse('the panel refused it (the notice above says why)');
    setMessage({ tone: 'done', text: `Imported ${file.name}: "${read.experiment.title}".` });
  };

  return (
    <div className="experiment-files" role="group" aria-label="Experiment files" data-testid="experiment-files">
      <div className="train-files-row">
        <button type="button" disabled={!hasRuns} onClick={() => result && exportResult('runs', result)} data-testid="experiment-export-runs" title="One line per run: label, variant, sweep value, seed, status, steps, seconds, each measure">
          Results CSV (per run)
        </button>
        <button type="button" disabled={!hasRuns} onClick={() => result && exportResult('summary', result)} data-testid="experiment-export-summary" title="One line per row: mean, sd, min and max of each measure over the seeds">
          Summary CSV
        </button>
        <button type="button" disabled={!hasRuns} onClick={() => result && exportResult('json', result)} data-testid="experiment-export-json" title="The definition and every run with its losses, evaluations and measures">
          Results JSON
        </button>
        <button type="button" onClick={() => save(definitionJson(definition), 'json', `${stem}.experiment.json`)} data-testid="experiment-export-definition" title="The definition only (no results): import it here, or pass it to npm run experiment">
          Definition JSON
        </button>
        <label className="import-config" htmlFor={inputId} title="Load a definition JSON (or a results JSON: its definition) exported here">
          Import definition
          <input id={inputId} type="file" accept=".json,application/json" disabled={busy} onChange={(e) => void importFile(e)} data-testid="experiment-import" />
        </label>
      </div>
      <span className="hint">The page’s Copy link carries this definition (not its results): whoever opens it can run the same experiment.</span>
      {message ? (
        <span className={message.tone === 'refused' ? 'field-error' : 'hint'} role={message.tone === 'refused' ? 'alert' : 'status'} data-testid="experiment-import-message" data-tone={message.tone}>
          {message.text}
        </span>
      ) : null}
      {kept.length ? (
        <details className="experiment-kept" data-testid="experiment-kept">
          <summary>Results kept in this browser ({kept.length})</summary>
          <ul>
            {kept.map((k) => (
              <li key={k.key} data-key={k.key}>
                {k.title}: {k.runs} run{k.runs === 1 ? '' : 's'}
                {k.finished ? `, finished ${k.finished.slice(0, 16).replace('T', ' ')}` : ', not finished'}{' '}
                <button type="button" disabled={busy} onClick={() => void open(k.key)}>
                  Open
                </button>{' '}
                <button type="button" disabled={busy} onClick={() => void forget(k.key)} aria-label={`Forget the results of ${k.title}`}>
                  Forget
                </button>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

/** The definition as a file: the experiment itself, pretty-printed. */
export const definitionJson = (e: Experiment): string => `${JSON.stringify(e, null, 2)}\n`;
