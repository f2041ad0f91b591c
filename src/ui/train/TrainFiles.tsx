/**
 * Keeping and sharing what was learned: the weights kept in this browser (and Forget), export of
 * the trained model as ONNX (weights baked in, spec and recipe in its metadata) and of the loss
 * history as CSV or JSON, "Train to reproduce" for a link that carries a recipe, and import of a
 * trained model file exported here. The work itself is src/state/trainedStore.ts (keeping, the
 * worker's export and restore) and src/train/trainedFile.ts (reading a file back).
 */
import { useId, useState, useSyncExternalStore, type ChangeEvent } from 'react';
import { linkedRecipe } from '../../state/share';
import { keepingOf, type KeepState } from '../../state/trainedStore';
import { isActive } from '../../state/training';
import { historyCsv, historyJson } from '../../train/history';
import { fileStem } from '../editor/ExportModel';
import { useApp, useAppStore } from '../useApp';
import { download } from '../views/ExportButtons';
import { errorParts } from '../../spec/errors';
import './trainFiles.css';

const NO_KEEPING: KeepState = { phase: 'none', message: null, tone: 'info' };
const never = () => () => undefined;

type Message = { tone: 'done' | 'refused'; text: string } | null;

export function TrainFiles() {
  const store = useAppStore();
  const keeping = keepingOf(store);
  const kept = useSyncExternalStore(keeping?.subscribe ?? never, keeping?.state ?? (() => NO_KEEPING));
  const run = useApp((s) => s.training.runs.a);
  const recipe = useApp((s) => s.training.recipe);
  const start = useApp((s) => s.trainingActions.start);
  const inputId = useId();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<Message>(null);
  const [importMessage, setImportMessage] = useState<Message>(null);

  const linked = linkedRecipe(store);
  const active = isActive(run);
  const ended = !!run && !active && run.status !== 'refused' && run.status !== 'starting';
  const stem = () => `${fileStem(store.getState().spec.name)}.${run?.recipe.task ?? recipe.task}`;

  const exportOnnx = async (mode: 'inspect' | 'fast') => {
    if (!keeping || !run) return;
    setBusy(true);
    setMessage(null);
    try {
      const bytes = await keeping.exportTrained(mode);
      download(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), `${stem()}.trained-${run.step}.${mode}.T${run.recipe.T}.onnx`);
    } catch (e) {
      setMessage({ tone: 'refused', text: `The trained model could not be exported: ${errorParts(e).message}` });
    } finally {
      setBusy(false);
    }
  };
  const exportHistory = (kind: 'csv' | 'json') => {
    if (!run) return;
    const text = kind === 'csv' ? historyCsv(run) : historyJson(run);
    download(new Blob([text], { type: kind === 'csv' ? 'text/csv' : 'application/json' }), `${stem()}.history.${kind}`);
  };
  const reproduce = () => {
    if (!linked) return;
    store.setState({ training: { ...store.getState().training, recipe: linked } });
    start();
  };

  const importFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const input = e.currentTarget;
    const file = input.files?.[0];
    input.value = ''; // the same file chosen again is read again
    if (!file || !keeping) return;
    const refuse = (why: string) => setImportMessage({ tone: 'refused', text: `${file.name} was not imported: ${why}. Nothing was changed.` });
    setBusy(true);
    try {
      // The reader (onnx-proto, the tasks) is training code: loaded when a file is chosen.
      const { MAX_TRAINED_FILE, readTrainedFile } = await import('../../train/trainedFile');
      if (file.size > MAX_TRAINED_FILE) return refuse(`it is ${file.size} bytes, more than any model the playground trains`);
      const read = readTrainedFile(new Uint8Array(await file.arrayBuffer()));
      if (!read.ok) return refuse(read.reason);
      if (isActive(store.getState().training.runs.a)) return refuse('a training run is going on: stop it first');
      const done = store.getState().edit({ type: 'replace', spec: read.spec, what: `Imported the trained model ${file.name}.` });
      if (!done.ok) return refuse(done.reason);
      try {
        await keeping.importTrained(read);
        setImportMessage({ tone: 'done', text: `Imported ${file.name}: ${read.spec.name}, trained ${read.step.toLocaleString('en-US')} steps of ${read.recipe.task}. Undo restores the previous model.` });
      } catch (err) {
        setImportMessage({ tone: 'refused', text: `${file.name}: its model was loaded, but its weights could not be restored (${err instanceof Error ? err.message : String(err)}); the initial weights are shown.` });
      }
    } catch (err) {
      refuse(`it could not be read (${err instanceof Error ? err.message : String(err)})`);
    } finally {
      setBusy(false);
    }
  };

  const offerReproduce = !!linked && !active && !(run && JSON.stringify(run.recipe) === JSON.stringify(linked));

  return (
    <div className="train-files" role="group" aria-label="Keep and share what was learned" data-testid="train-files">
      {offerReproduce ? (
        <div className="train-reproduce">
          <span className="hint">
            This link carries a training recipe ({linked.steps.toLocaleString('en-US')} steps of {linked.task}, seed {linked.seed}): train it to get the same curve on the same backend and thread count.
          </span>
          <button type="button" onClick={reproduce} data-testid="train-reproduce">
            Train to reproduce
          </button>
        </div>
      ) : null}
      <div className="train-files-row">
        <button type="button" onClick={() => void exportOnnx('inspect')} disabled={!ended || busy} data-testid="train-export-inspect" title="The inspect graph (every map and probe) with the trained weights baked in, at the recipe's T">
          Export trained ONNX (inspect)
        </button>
        <button type="button" onClick={() => void exportOnnx('fast')} disabled={!ended || busy} data-testid="train-export-fast" title="The fast graph (logits only) with the trained weights baked in, at the recipe's T">
          Export trained ONNX (fast)
        </button>
        <button type="button" onClick={() => exportHistory('csv')} disabled={!run?.reports.length} data-testid="train-history-csv">
          Loss history CSV
        </button>
        <button type="button" onClick={() => exportHistory('json')} disabled={!run?.reports.length} data-testid="train-history-json">
          JSON
        </button>
        <label className="import-config" htmlFor={inputId} title="Load a trained model exported with Export trained ONNX: its model, recipe and weights">
          Import trained .onnx
          <input id={inputId} type="file" accept=".onnx,application/octet-stream" onChange={(e) => void importFile(e)} disabled={busy} data-testid="train-import" />
        </label>
        <button type="button" onClick={() => void keeping?.forget()} disabled={!run && kept.phase !== 'saved' && kept.phase !== 'restored'} data-testid="train-forget" title="Delete the trained weights kept in this browser and show the initial weights">
          Forget trained weights
        </button>
      </div>
      {kept.message ? (
        <span className={kept.tone === 'error' ? 'field-error' : 'hint'} role={kept.tone === 'error' ? 'alert' : 'status'} data-testid="train-keep-message" data-phase={kept.phase}>
          {kept.message}
        </span>
      ) : null}
      {message ? (
        <span className="field-error" role="alert">
          {message.text}
        </span>
      ) : null}
      {importMessage ? (
        <span className={importMessage.tone === 'refused' ? 'field-error' : 'hint'} role={importMessage.tone === 'refused' ? 'alert' : 'status'} data-testid="train-import-message" data-tone={importMessage.tone}>
          {importMessage.text}
        </span>
      ) : null}
    </div>
  );
}
