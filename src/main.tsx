/**
 * Entry point: the inference workers behind their host, the store made on that runtime, the work
 * it starts from (a link in the address bar, else the work saved in this browser, else the
 * default), the bridge between them, and the UI.
 */
import './spec/noEval';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectBridge } from './state/bridge';
import { showFirstLook } from './state/firstLook';
import { webGpuUnavailable } from '../workers/gpu';
import { workerEndpoint } from './state/endpoint';
import { WorkerHost } from './state/host';
import { connectBackendChoice, connectFollowEdits, connectPersistence, savedBackendChoice } from './state/persist';
import { connectUrl } from './state/share';
import { createAppStore } from './state/store';
import { indexedDbExperiments } from './state/experimentStore';
import { connectKeeping, indexedDbStorage } from './state/trainedStore';
import { App } from './ui/App';
import { StoreProvider } from './ui/useApp';
import './ui/app.css';

/** localStorage, or null where the browser blocks it (some privacy settings throw on access). */
function browserStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}
const storage = browserStorage();

/** IndexedDB, or null where the browser blocks it. */
function browserIndexedDb(): IDBFactory | null {
  try {
    return window.indexedDB ?? null;
  } catch {
    return null;
  }
}
const backendChoice = savedBackendChoice(storage);

// One worker per execution provider; Vite bundles each from its own static URL.
const host = new WorkerHost(
  (provider) =>
    workerEndpoint(provider, (name) =>
      provider === 'wasm'
        ? new Worker(new URL('../workers/wasm.worker.ts', import.meta.url), { type: 'module', name })
        : new Worker(new URL('../workers/webgpu.worker.ts', import.meta.url), { type: 'module', name }),
    ),
  { webGpuUnavailable, choice: backendChoice },
);

// The store gets the runtime when it is made: its actions (export, backend, latency) call it directly.
// Experiment results are kept in IndexedDB too (src/state/experimentStore.ts).
const store = createAppStore({ runtime: host, backendChoice, experimentStorage: indexedDbExperiments(browserIndexedDb()) });
const link = connectUrl(store, { location: window.location, history: window.history, events: window });
connectPersistence(store, { storage, events: window }, { restore: !link.opened });
connectBackendChoice(store, storage);
connectFollowEdits(store, storage);
showFirstLook(store); // the build's maps of the default model, until the live run replaces them
connectBridge(store, host);
// Trained weights kept in this browser: the current model and recipe's come back (IndexedDB).
connectKeeping(store, host, indexedDbStorage(browserIndexedDb()));

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
