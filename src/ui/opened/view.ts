/**
 * Choosing the layer and head shown, for the pickers of the map, the head grid and entropy. The
 * store keeps the view inside the playground's model (its layer runs and heads); an opened model
 * has its own, which only its result tells (AnalysisResult.nLayers / nHeads), so while one is on
 * screen the view is kept inside that result instead.
 */
import type { AppState, AppStore } from '../../state/store';
import { useAppStore } from '../useApp';

const clamp = (v: number, hi: number) => Math.max(0, Math.min(v, hi));

/** The opened model's result on screen, or null for a playground model. */
export const openedResult = (s: AppState) => (s.opened.a && s.result?.opened ? s.result : null);

function pick(store: AppStore, layer: number | null, head: number | null) {
  const s = store.getState();
  const r = openedResult(s);
  if (!r) {
    if (layer !== null && head !== null) s.selectView(layer, head);
    else if (layer !== null) s.selectLayer(layer);
    else if (head !== null) s.selectHead(head);
    return;
  }
  store.setState({ view: { layer: clamp(layer ?? s.view.layer, r.data.nLayers - 1), head: clamp(head ?? s.view.head, r.data.nHeads - 1) } });
}

/** selectLayer, selectHead and selectView that also serve an opened model. */
export function useViewPick() {
  const store = useAppStore();
  return {
    selectLayer: (layer: number) => pick(store, layer, null),
    selectHead: (head: number) => pick(store, null, head),
    selectView: (layer: number, head: number) => pick(store, layer, head),
  };
}
