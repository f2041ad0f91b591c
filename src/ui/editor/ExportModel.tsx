/**
 * Export of what the page runs: the configuration as JSON, and the compiled model as an ONNX file
 * (inspect mode with every probe the views read, or fast mode, the graph latency is measured on),
 * built for the current text's length. Import of a configuration sits beside it (ImportConfig.tsx).
 */
import { useState } from 'react';
import { selectInput } from '../../state/store';
import { useApp, useAppStore } from '../useApp';
import { download } from '../views/ExportButtons';
import { ImportConfig } from './ImportConfig';

/** "Small GPT-2 decoder!" → "small-gpt-2-decoder". */
export const fileStem = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'model';

export function ExportModel() {
  const store = useAppStore();
  const T = useApp((s) => selectInput(s).ids.length);
  const [mode, setMode] = useState<'inspect' | 'fast'>('inspect');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const saveJson = () => {
    const { spec } = store.getState();
    download(new Blob([`${JSON.stringify(spec, null, 2)}\n`], { type: 'application/json' }), `${fileStem(spec.name)}.json`);
  };
  const saveOnnx = async () => {
    setBusy(true);
    setError(null);
    try {
      const { spec, exportOnnx } = store.getState();
      const bytes = await exportOnnx(mode);
      download(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), `${fileStem(spec.name)}.${mode}.T${T}.onnx`);
    } catch (e) {
      setError(`The model could not be exported: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="export-model" role="group" aria-label="Export">
      <button type="button" onClick={saveJson} data-testid="export-config">
        Config .json
      </button>
      <ImportConfig />
      <button type="button" onClick={() => void saveOnnx()} disabled={busy || T === 0} data-testid="export-onnx">
        Model .onnx
      </button>
      <select value={mode} onChange={(e) => setMode(e.target.value as 'inspect' | 'fast')} aria-label="ONNX mode" data-testid="export-onnx-mode">
        <option value="inspect">inspect (maps and probes)</option>
        <option value="fast">fast (logits only)</option>
      </select>
      <span className="hint">built for T = {T}, the length of the text</span>
      {error ? (
        <span className="field-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}
