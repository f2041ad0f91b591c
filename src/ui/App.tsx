/** The app shell: top bar with the backend and status; blocks and settings, the model, and the views in three columns. */
import { Editor } from './editor/Editor';
import { ErrorBoundary } from './ErrorBoundary';
import { PresetPicker } from './PresetPicker';
import { useApp } from './useApp';
import { StatusBar } from './StatusBar';
import { AttentionMap } from './views/AttentionMap';
import { EntropyView } from './views/EntropyView';
import { LatencyView } from './views/LatencyView';
import { TextInput } from './views/TextInput';

function ModelName() {
  const name = useApp((s) => s.spec.name);
  return <span className="model-name" data-testid="model-name">{name}</span>;
}

export function App() {
  return (
    <div className="app">
      <header className="topbar">
        <div className="brand">
          <h1>Transformer Playground</h1>
          <ModelName />
          <PresetPicker />
        </div>
        <StatusBar />
      </header>
      <ErrorBoundary what="editor">
        <Editor>
          <section className="views" aria-label="Views">
            <ErrorBoundary what="text panel">
              <TextInput />
            </ErrorBoundary>
            <div className="view-grid">
              <ErrorBoundary what="attention map">
                <AttentionMap />
              </ErrorBoundary>
              <div className="side-views">
                <ErrorBoundary what="entropy view">
                  <EntropyView />
                </ErrorBoundary>
                <ErrorBoundary what="latency view">
                  <LatencyView />
                </ErrorBoundary>
              </div>
            </div>
          </section>
        </Editor>
      </ErrorBoundary>
    </div>
  );
}
