/** The app shell: top bar with the backend and status, the model on the left, the views on the right. */
import { ModelPanel } from './editor/ModelPanel';
import { StatusBar } from './StatusBar';
import { AttentionMap } from './views/AttentionMap';
import { EntropyView } from './views/EntropyView';
import { LatencyView } from './views/LatencyView';
import { TextInput } from './views/TextInput';

export function App() {
  return (
    <div className="app">
      <header className="topbar">
        <h1>Transformer Playground</h1>
        <StatusBar />
      </header>
      <main className="columns">
        <aside className="editor" aria-label="Model">
          <ModelPanel />
        </aside>
        <section className="views" aria-label="Views">
          <TextInput />
          <div className="view-grid">
            <AttentionMap />
            <div className="side-views">
              <EntropyView />
              <LatencyView />
            </div>
          </div>
        </section>
      </main>
    </div>
  );
}
