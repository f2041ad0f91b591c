/**
 * The view follows the edit: which layer of the spec an edit changed, and the layer run the views
 * should show for it. The views select a run of the unrolled schedule (src/spec/schedule.ts), so a
 * layer inside a weight-shared loop is shown at its first pass.
 */
import type { Edit } from '../spec/edits';
import { layerSchedule } from '../spec/schedule';
import type { Spec } from '../spec/types';

/** The layer of `spec` (after the edit) that `edit` changed, or null when it changed no one layer. */
export function editedLayer(edit: Edit): number | null {
  switch (edit.type) {
    case 'setBlock':
    case 'setParam':
      return edit.target.slot === 'position' ? null : edit.target.layer;
    case 'setPlacement':
      return edit.layer;
    case 'insertLayer':
      return edit.block?.slot === 'position' ? null : edit.at;
    case 'moveLayer':
      return edit.to;
    case 'duplicateLayer':
      return edit.index + 1;
    default:
      return null;
  }
}

/** The first run of `layer` in `spec`'s schedule (the index the views select), or null when it never runs. */
export function firstRunOf(spec: Pick<Spec, 'layers' | 'loops'>, layer: number): number | null {
  const i = layerSchedule(spec).findIndex((r) => r.layer === layer);
  return i < 0 ? null : i;
}
