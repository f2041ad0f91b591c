/** The store as React sees it: a provider, a selector hook, and direct access for canvas views. */
import { createContext, useContext, useDeferredValue, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppState, AppStore, ShownResult } from '../state/store';

const StoreContext = createContext<AppStore | null>(null);

export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }) {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** The store itself, for views that subscribe and draw outside React renders. */
export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore needs a StoreProvider');
  return store;
}

/** A slice of the state; the component re-renders when it changes. */
export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useAppStore(), selector);
}

/**
 * The newest result, for the views around the attention map. The map draws itself the moment a
 * result lands (outside React); these views take it a moment later, in a render React may
 * interrupt, so the frame that shows the new map is not held up by them.
 */
export function useDeferredResult(): ShownResult | null {
  return useDeferredValue(useApp((s) => s.result));
}
