/**
 * "Open model…" in the top bar, and drag-and-drop of an .onnx file anywhere on the page (an
 * overlay says so while a file is dragged over it; a drag of text or a link is ignored). While the
 * file is read and checked a line says so; a refusal shows the store's one sentence in an alert the
 * person dismisses, and nothing else on the page changes (the playground's model, text and views).
 */
import { useEffect, useRef, useState } from 'react';
import { carriesFiles } from './openFile';
import { useOpenFile } from './useOpenFile';
import './opened.css';

export function OpenModel() {
  const inputRef = useRef<HTMLInputElement>(null);
  const { open, reading, error, dismiss } = useOpenFile('a');
  const [dragging, setDragging] = useState(false);

  // Drag and drop onto the whole page: dragenter/dragleave fire for every element crossed, so count them.
  useEffect(() => {
    let depth = 0;
    const enter = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth++;
      setDragging(true);
    };
    const leave = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      depth = Math.max(0, depth - 1);
      if (depth === 0) setDragging(false);
    };
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault(); // allows the drop
      if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy';
    };
    const drop = (e: DragEvent) => {
      depth = 0;
      setDragging(false);
      const file = e.dataTransfer?.files?.[0];
      if (!file) return; // text, a link: not ours
      e.preventDefault(); // the browser would otherwise navigate to the file
      open(file);
    };
    window.addEventListener('dragenter', enter);
    window.addEventListener('dragleave', leave);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragenter', enter);
      window.removeEventListener('dragleave', leave);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, [open]);

  return (
    <div className="open-model">
      <button type="button" onClick={() => inputRef.current?.click()} disabled={reading !== null} data-testid="open-model" aria-label="Open model…" title="Open model…: an ONNX transformer from this computer, to see its attention (nothing is uploaded anywhere); or drop the file on the page">
        <svg width="14" height="12" viewBox="0 0 14 12" aria-hidden="true">
          <path d="M1 2.5A1.5 1.5 0 0 1 2.5 1h3l1.5 1.5h4.5A1.5 1.5 0 0 1 13 4v5.5A1.5 1.5 0 0 1 11.5 11h-9A1.5 1.5 0 0 1 1 9.5z" fill="none" stroke="currentColor" strokeWidth="1.3" />
        </svg>
        <span className="open-model-label"> Open model…</span>
      </button>
      <input
        ref={inputRef}
        type="file"
        accept=".onnx"
        hidden
        data-testid="open-model-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = ''; // the same file can be opened again
          if (file) open(file);
        }}
      />
      {reading ? (
        <span className="open-model-reading" role="status" data-testid="open-model-reading">
          {reading}
        </span>
      ) : null}
      {error ? (
        <div className="open-model-error" role="alert" data-testid="open-model-error">
          <span>{error}</span>
          <button type="button" onClick={dismiss} aria-label="Dismiss" data-testid="open-model-error-dismiss">
            ×
          </button>
        </div>
      ) : null}
      {dragging ? (
        <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
          <p>Drop an ONNX model to open it</p>
        </div>
      ) : null}
    </div>
  );
}
