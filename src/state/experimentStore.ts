/**
 * Experiment results kept in the browser (IndexedDB), so finished runs survive a reload: the
 * experiments controller (src/state/experiments.ts) puts the result after every finished run, keyed
 * by experimentKey(definition); Run after a reload runs only the runs the kept result lacks. The
 * definition last set in the panel is kept too, so a reload shows it again with its result.
 *
 * The storage is a tiny interface (`ExperimentStorage`), like trainedStore.ts's KeepStorage:
 * IndexedDB in the page, an in-memory fake in tests. Each method rejects with the storage's error.
 */
import type { Experiment, ExperimentResult } from '../spec/experiment';

/** One kept result. */
export interface KeptExperiment {
  v: 1;
  /** experimentKey(result.experiment). */
  key: string;
  result: ExperimentResult;
  /** When it was saved (ISO time). */
  savedAt: string;
}

/** What the kept list shows of one kept result. */
export interface KeptSummary {
  key: string;
  title: string;
  /** Runs kept. */
  runs: number;
  /** When the experiment finished every run (ISO), if it did. */
  finished?: string;
  savedAt: string;
}

export interface ExperimentStorage {
  get(key: string): Promise<KeptExperiment | undefined>;
  put(entry: KeptExperiment): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every kept result, summarised. */
  list(): Promise<KeptSummary[]>;
  /** The definition last set in the panel (undefined: none kept). */
  last(): Promise<Experiment | undefined>;
  setLast(e: Experiment): Promise<void>;
}

/** The summary the kept list shows of `entry`. */
export const summaryOf = (entry: KeptExperiment): KeptSummary => ({
  key: entry.key,
  title: entry.result.experiment.title,
  runs: entry.result.runs.length,
  ...(entry.result.finished ? { finished: entry.result.finished } : {}),
  savedAt: entry.savedAt,
});

/** The meta store's key of the last definition. */
const LAST = 'last';

/** ExperimentStorage on IndexedDB (database "tp-experiments": stores "results" and "meta"), or null where there is none. */
export function indexedDbExperiments(factory: IDBFactory | null | undefined): ExperimentStorage | null {
  if (!factory) return null;
  let db: Promise<IDBDatabase> | null = null;
  const open = () =>
    (db ??= new Promise<IDBDatabase>((resolve, reject) => {
      const req = factory.open('tp-experiments', 1);
      req.onupgradeneeded = () => {
        req.result.createObjectStore('results', { keyPath: 'key' });
        req.result.createObjectStore('meta');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error ?? new Error('IndexedDB could not be opened'));
    }).catch((e: unknown) => {
      db = null; // tried again next time
      throw e;
    }));
  const request = async <R>(store: 'results' | 'meta', mode: IDBTransactionMode, make: (s: IDBObjectStore) => IDBRequest): Promise<R> => {
    const tx = (await open()).transaction(store, mode);
    return new Promise<R>((resolve, reject) => {
      let result: R;
      const req = make(tx.objectStore(store));
      req.onsuccess = () => (result = req.result as R);
      tx.oncomplete = () => resolve(result);
      // A full disk fails the transaction (QuotaExceededError), not always the request.
      tx.onerror = tx.onabort = () => reject(tx.error ?? req.error ?? new Error('the IndexedDB transaction failed'));
    });
  };
  return {
    get: (key) => request<KeptExperiment | undefined>('results', 'readonly', (s) => s.get(key)),
    put: (entry) => request<void>('results', 'readwrite', (s) => s.put(entry)),
    delete: (key) => request<void>('results', 'readwrite', (s) => s.delete(key)),
    list: async () => (await request<KeptExperiment[]>('results', 'readonly', (s) => s.getAll())).filter((e) => e?.v === 1).map(summaryOf),
    last: () => request<Experiment | undefined>('meta', 'readonly', (s) => s.get(LAST)),
    setLast: (e) => request<void>('meta', 'readwrite', (s) => s.put(e, LAST)),
  };
}

/** An ExperimentStorage in memory (tests; structured clones, as IndexedDB keeps them). */
export function memoryExperiments(): ExperimentStorage & { entries: Map<string, KeptExperiment>; fail: { put?: Error; get?: Error } } {
  const entries = new Map<string, KeptExperiment>();
  const fail: { put?: Error; get?: Error } = {};
  let last: Experiment | undefined;
  return {
    entries,
    fail,
    get: async (key) => {
      if (fail.get) throw fail.get;
      const e = entries.get(key);
      return e && structuredClone(e);
    },
    put: async (entry) => {
      if (fail.put) throw fail.put;
      entries.set(entry.key, structuredClone(entry));
    },
    delete: async (key) => void entries.delete(key),
    list: async () => {
      if (fail.get) throw fail.get;
      return [...entries.values()].map(summaryOf);
    },
    last: async () => {
      if (fail.get) throw fail.get;
      return last && structuredClone(last);
    },
    setLast: async (e) => {
      if (fail.put) throw fail.put;
      last = structuredClone(e);
    },
  };
}
