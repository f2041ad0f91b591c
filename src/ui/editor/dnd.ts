/**
 * Drag and drop in the editor: what is dragged (a block from the palette, or a layer), where it
 * can land (a slot, a gap between layers, another layer's place), and the two things @dnd-kit
 * needs from us: which target is under the dragged item, and where the arrow keys move it.
 * Every drag works with the keyboard: Space picks up, arrows step from target to target in
 * reading order, Space drops, Escape cancels.
 */
import { closestCenter, pointerWithin, type CollisionDetection, type KeyboardCoordinateGetter } from '@dnd-kit/core';
import type { BlockTarget } from '../../spec/edits';
import type { Slot } from '../../spec/catalog';

/** What is being dragged. */
export type DragItem = { type: 'block'; slot: Slot; kind: string; title: string } | { type: 'layer'; index: number };

/** Where it can land: a slot, a gap where a new layer goes, or a layer's place in the stack. */
export type DropTarget =
  | { type: 'slot'; target: BlockTarget; label: string }
  | { type: 'gap'; at: number; label: string }
  | { type: 'layer'; index: number; label: string };

/** Whether a dragged item may be considered over a target (a block never reorders layers). */
const compatible = (item: DragItem | undefined, target: DropTarget | undefined): boolean =>
  !!item && !!target && (item.type === 'layer' ? target.type === 'layer' : target.type !== 'layer');

const itemOf = (data: { current?: unknown } | undefined) => data?.current as DragItem | undefined;
const targetOf = (data: { current?: unknown } | undefined) => data?.current as DropTarget | undefined;

/**
 * Blocks follow the pointer (the slot under it); layers snap to the nearest place. With the
 * keyboard there is no pointer, and the nearest compatible target wins.
 */
export const detectCollisions: CollisionDetection = (args) => {
  const item = itemOf(args.active.data);
  const droppableContainers = args.droppableContainers.filter((c) => compatible(item, targetOf(c.data)));
  const scoped = { ...args, droppableContainers };
  if (item?.type === 'block' && args.pointerCoordinates) return pointerWithin(scoped);
  return closestCenter(scoped);
};

const STEP_KEYS = new Set(['ArrowDown', 'ArrowRight', 'ArrowUp', 'ArrowLeft']);

/** Arrow keys step to the next or previous compatible target in reading order (top to bottom, left to right). */
export const stepCoordinates: KeyboardCoordinateGetter = (event, { context }) => {
  if (!STEP_KEYS.has(event.code)) return undefined;
  event.preventDefault();
  const { active, collisionRect, droppableRects, droppableContainers, over } = context;
  if (!active || !collisionRect) return undefined;
  const item = itemOf(active.data);
  const targets = droppableContainers
    .getEnabled()
    .filter((c) => compatible(item, targetOf(c.data)) && droppableRects.has(c.id))
    .map((c) => ({ id: c.id, rect: droppableRects.get(c.id)! }))
    .sort((a, b) => a.rect.top - b.rect.top || a.rect.left - b.rect.left);
  if (!targets.length) return undefined;
  const forward = event.code === 'ArrowDown' || event.code === 'ArrowRight';
  const at = targets.findIndex((t) => t.id === over?.id);
  const next = at < 0 ? (forward ? 0 : targets.length - 1) : Math.min(targets.length - 1, Math.max(0, at + (forward ? 1 : -1)));
  const { rect } = targets[next]!;
  // Centre the dragged item on the target, so the nearest-centre rule picks exactly that target.
  return { x: rect.left + rect.width / 2 - collisionRect.width / 2, y: rect.top + rect.height / 2 - collisionRect.height / 2 };
};

/** The dragged item in words. */
export function itemName(item: DragItem | undefined): string {
  if (!item) return 'the item';
  return item.type === 'block' ? item.title : `layer ${item.index}`;
}

/** Screen-reader announcements while dragging; what a drop did is announced by the editor's notice. */
export const announcements = {
  onDragStart: ({ active }: { active: { data: { current?: unknown } } }) => `Picked up ${itemName(itemOf(active.data))}. Use the arrow keys to move, Space to drop, Escape to cancel.`,
  onDragOver: ({ active, over }: { active: { data: { current?: unknown } }; over: { data: { current?: unknown } } | null }) =>
    over ? `${itemName(itemOf(active.data))} is over ${targetOf(over.data)?.label ?? 'a target'}.` : `${itemName(itemOf(active.data))} is not over a target.`,
  onDragEnd: ({ active, over }: { active: { data: { current?: unknown } }; over: { data: { current?: unknown } } | null }) =>
    over ? `${itemName(itemOf(active.data))} was dropped on ${targetOf(over.data)?.label ?? 'a target'}.` : `${itemName(itemOf(active.data))} was dropped outside any target; nothing changed.`,
  onDragCancel: ({ active }: { active: { data: { current?: unknown } } }) => `Dragging ${itemName(itemOf(active.data))} was cancelled; nothing changed.`,
};

export const screenReaderInstructions = {
  draggable:
    'To pick up a block or a layer, press Space or Enter. While dragging, the arrow keys move it from slot to slot (or from place to place in the layer stack). Press Space or Enter to drop it, or Escape to cancel.',
};

export { itemOf, targetOf };
