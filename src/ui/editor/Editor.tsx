/**
 * The graphical editor: palette, layer stack, inspector, model settings and statistics, with
 * undo and redo. Drag and drop (mouse, touch or keyboard) turns into edits of the spec here.
 */
import { DndContext, DragOverlay, KeyboardSensor, PointerSensor, useSensor, useSensors, type DragEndEvent, type DragStartEvent } from '@dnd-kit/core';
import { useEffect, useState, type ReactNode } from 'react';
import { findPreset } from '../../presets';
import { LIMITS } from '../../spec/schema';
import type { BlockTarget } from '../../spec/edits';
import { useHiddenParts } from '../lessons/classroom';
import { Part } from '../lessons/Part';
import { useApp, useAppStore } from '../useApp';
import { announcements, detectCollisions, itemOf, screenReaderInstructions, stepCoordinates, targetOf, type DragItem } from './dnd';
import { ExportModel } from './ExportModel';
import { FirstHint, FollowEdits } from './FirstSteps';
import { GlobalSettings } from './GlobalSettings';
import { Inspector } from './Inspector';
import { LayerStack, SlotButton } from './LayerStack';
import { Palette } from './Palette';
import { ScheduleHelper } from './ScheduleHelper';
import { StatsPanel } from './StatsPanel';

/** True when a key press belongs to a text field (its own undo applies there). */
const typingIn = (el: EventTarget | null) => el instanceof HTMLElement && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));

/** Ctrl/Cmd+Z undoes, Shift+Ctrl/Cmd+Z and Ctrl+Y redo, anywhere but inside a text field. */
function useUndoKeys() {
  const store = useAppStore();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || typingIn(e.target)) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) store.getState().undo();
      else if ((key === 'z' && e.shiftKey) || key === 'y') store.getState().redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [store]);
}

function UndoBar() {
  const store = useAppStore();
  const [past, future] = useTemporalCounts();
  return (
    <div className="undo-bar" role="toolbar" aria-label="History">
      <button type="button" onClick={() => store.getState().undo()} disabled={!past} aria-keyshortcuts="Control+Z Meta+Z" data-testid="undo" title="Undo (Ctrl/Cmd+Z)">
        ↶ Undo
      </button>
      <button type="button" onClick={() => store.getState().redo()} disabled={!future} aria-keyshortcuts="Control+Shift+Z Meta+Shift+Z Control+Y" data-testid="redo" title="Redo (Shift+Ctrl/Cmd+Z)">
        ↷ Redo
      </button>
    </div>
  );
}

/** How many edits can be undone and redone, following the store's history. */
function useTemporalCounts(): [number, number] {
  const store = useAppStore();
  const read = (): [number, number] => {
    const t = store.temporal.getState();
    return [t.pastStates.length, t.futureStates.length];
  };
  const [counts, setCounts] = useState(read);
  useEffect(() => store.temporal.subscribe((t) => setCounts([t.pastStates.length, t.futureStates.length])), [store]);
  return counts;
}

/** What the last edit did or why it was refused: visible, and read out by screen readers. */
function Notice() {
  const notice = useApp((s) => s.notice);
  return (
    <p className={`edit-notice${notice?.tone === 'refused' ? ' refused' : ''}`} role="status" aria-live="polite" data-testid="edit-notice" data-tone={notice?.tone ?? ''}>
      {notice?.text ?? ''}
    </p>
  );
}

/** The layer count as a stepper: a new layer copies the last one. */
function LayerCount() {
  const L = useApp((s) => s.spec.layers.length);
  const setLayerCount = useApp((s) => s.setLayerCount);
  return (
    <div className="field layer-count">
      <label htmlFor="layer-count">Layers</label>
      <div className="stepper">
        <button type="button" aria-label="Remove a layer" disabled={L <= LIMITS.layers.min} onClick={() => setLayerCount(L - 1)}>
          −
        </button>
        <input
          id="layer-count"
          type="number"
          min={LIMITS.layers.min}
          max={LIMITS.layers.max}
          value={L}
          aria-describedby="layer-count-hint"
          onChange={(e) => {
            const n = e.target.valueAsNumber;
            if (Number.isFinite(n)) setLayerCount(n);
          }}
        />
        <button type="button" aria-label="Add a layer" disabled={L >= LIMITS.layers.max} onClick={() => setLayerCount(L + 1)}>
          +
        </button>
      </div>
      <span className="hint" id="layer-count-hint">
        {LIMITS.layers.min}–{LIMITS.layers.max}; a new layer copies the last one.
      </span>
    </div>
  );
}

function PresetNote() {
  const preset = useApp((s) => (s.presetId ? findPreset(s.presetId) : undefined));
  if (!preset) return null;
  return (
    <p className="preset-note" data-testid="preset-citation">
      {preset.description} <cite>{preset.citation}</cite>
    </p>
  );
}

/** Which columns classroom mode leaves something in (the views are `children`); `all` when it hides none (the usual grid). */
function useColumns() {
  const hidden = useHiddenParts();
  const blocks = !(hidden.has('palette') && hidden.has('settings'));
  const model = !(hidden.has('stack') && hidden.has('inspector') && hidden.has('stats'));
  const views = !hidden.has('views');
  return { blocks, model, views, all: blocks && model && views };
}

/** The editor's columns around `children` (the views), all inside one drag-and-drop context. */
export function Editor({ children }: { children: ReactNode }) {
  const edit = useApp((s) => s.edit);
  const position = useApp((s) => s.spec.position);
  const [selected, setSelected] = useState<BlockTarget | null>({ layer: 0, slot: 'mixer' });
  const [dragging, setDragging] = useState<DragItem | null>(null);
  const [over, setOver] = useState<string>('');
  useUndoKeys();
  const columns = useColumns();
  const sensors = useSensors(useSensor(PointerSensor, { activationConstraint: { distance: 4 } }), useSensor(KeyboardSensor, { coordinateGetter: stepCoordinates, scrollBehavior: 'auto' }));

  const onDragStart = (e: DragStartEvent) => setDragging(itemOf(e.active.data) ?? null);
  const onDragEnd = (e: DragEndEvent) => {
    setDragging(null);
    setOver('');
    const item = itemOf(e.active.data);
    const target = targetOf(e.over?.data);
    if (!item || !target) return;
    if (item.type === 'layer') {
      if (target.type === 'layer' && target.index !== item.index) edit({ type: 'moveLayer', from: item.index, to: target.index });
      return;
    }
    if (target.type === 'slot') {
      const r = edit({ type: 'setBlock', target: target.target, kind: item.kind });
      if (r.ok) setSelected(target.target);
    } else if (target.type === 'gap') {
      const r = edit({ type: 'insertLayer', at: target.at, block: { slot: item.slot, kind: item.kind } });
      if (r.ok && item.slot !== 'position') setSelected({ layer: target.at, slot: item.slot });
    }
  };

  return (
    <DndContext
      sensors={sensors}
      collisionDetection={detectCollisions}
      onDragStart={onDragStart}
      onDragEnd={onDragEnd}
      onDragOver={(e) => setOver(e.over ? String(e.over.id) : '')}
      onDragCancel={() => {
        setDragging(null);
        setOver('');
      }}
      accessibility={{ announcements, screenReaderInstructions }}
    >
      <main className={`workbench${columns.all ? '' : ' classroom-layout'}`} data-dragging={dragging ? (dragging.type === 'block' ? dragging.kind : `layer:${dragging.index}`) : ''} data-over={over}>
        {columns.blocks ? (
          <aside className="col-blocks" aria-label="Blocks and settings">
            <Part name="palette">
              <Palette />
            </Part>
            <Part name="settings">
              <GlobalSettings />
            </Part>
          </aside>
        ) : null}
        {columns.model ? (
          <section className="col-model" aria-label="Model">
            <Part name="stack">
              <div className="panel">
                <div className="editor-head">
                  <h2>Model</h2>
                  <UndoBar />
                </div>
                <PresetNote />
                <Part name="export">
                  <ExportModel />
                </Part>
                <LayerCount />
                <FirstHint />
                <Notice />
                <FollowEdits />
                <div className="position-row">
                  <SlotButton target={{ slot: 'position' }} block={position} selected={selected} onSelect={setSelected} />
                </div>
                <LayerStack selected={selected} onSelect={setSelected} />
                <ScheduleHelper />
              </div>
            </Part>
            <Part name="inspector">
              <Inspector target={selected} />
            </Part>
            <Part name="stats">
              <StatsPanel />
            </Part>
          </section>
        ) : null}
        {columns.views ? children : null}
      </main>
      <DragOverlay dropAnimation={null}>{dragging?.type === 'block' ? <span className={`chip chip-${dragging.slot} overlay`}>{dragging.title}</span> : null}</DragOverlay>
    </DndContext>
  );
}
