/**
 * Entry point: the store, the work it starts from (a link in the address bar, else the work saved
 * in this browser, else the default), the inference worker behind comlink, the bridge between
 * them, and the UI.
 */
import './spec/noEval';
import * as Comlink from 'comlink';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { InferenceApi } from '../workers/api';
import { connectBridge } from './state/bridge';
import { connectPersistence } from './state/persist';
import { connectUrl } from './state/share';
import { createAppStore } from './state/store';
import { App } from './ui/App';
import { StoreProvider } from './ui/useApp';
import './ui/app.css';

const store = createAppStore();
const link = connectUrl(store, { location: window.location, history: window.history, events: window });
connectPersistence(store, { storage: browserStorage(), events: window }, { restore: !link.opened });

/** localStorage, or null where the browser blocks it (some privacy settings throw on access). */
function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

const worker = new Worker(new URL('../workers/inference.worker.ts', import.meta.url), { type: 'module' });
worker.addEventListener('error', (e) => {
  store.setState({ runtime: { phase: 'failed', message: `The inference worker could not start: ${e.message || 'script error'}` } });
});
connectBridge(store, Comlink.wrap<InferenceApi>(worker));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
