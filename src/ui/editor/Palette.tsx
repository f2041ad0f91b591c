/** The palette: every registered block, grouped by slot, searchable, each draggable onto a slot. */
import { useDraggable } from '@dnd-kit/core';
import { useId, useState } from 'react';
import { CATALOG, MAP_KINDS, SLOTS, type BlockInfo } from '../../spec/catalog';
import type { DragItem } from './dnd';

/** Blocks whose title, kind, paper or explanation contain every word of `query`. */
export function searchBlocks(query: string): BlockInfo[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return CATALOG.filter((b) => {
    const text = `${b.title} ${b.kind} ${b.paper} ${b.explanation}`.toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

function PaletteItem({ block }: { block: BlockInfo }) {
  const item: DragItem = { type: 'block', slot: block.slot, kind: block.kind, title: block.title };
  const { attributes, listeners, setNodeRef, isDragging } = useDraggable({ id: `palette:${block.slot}:${block.kind}`, data: item });
  const tipId = useId();
  return (
    <li className="palette-item">
      <button
        type="button"
        ref={setNodeRef}
        className={`chip chip-${block.slot}${isDragging ? ' dragging' : ''}`}
        data-testid={`palette-${block.slot}-${block.kind}`}
        {...attributes}
        {...listeners}
        aria-roledescription="draggable block"
        aria-describedby={`${tipId} ${String(attributes['aria-describedby'] ?? '')}`.trim()}
      >
        {block.title}
      </button>
      <div className="tip" id={tipId} role="tooltip">
        <strong>{block.title}</strong>
        {block.map && block.map !== 'explicit' ? <span className="badge">{MAP_KINDS[block.map].label} map</span> : null}
        <p>{block.explanation}</p>
        <p className="paper">Paper: {block.paper}</p>
      </div>
    </li>
  );
}

export function Palette() {
  const [query, setQuery] = useState('');
  const found = searchBlocks(query);
  return (
    <section className="palette" aria-label="Block palette">
      <h2>Blocks</h2>
      <input type="search" className="palette-search" aria-label="Search blocks" placeholder="Search blocks…" value={query} onChange={(e) => setQuery(e.target.value)} />
      {found.length === 0 ? <p className="hint" role="status">No block matches “{query}”.</p> : null}
      {SLOTS.map(({ slot, label }) => {
        const blocks = found.filter((b) => b.slot === slot);
        if (!blocks.length) return null;
        return (
          <div key={slot} className="palette-group">
            <h3>{label}</h3>
            <ul aria-label={`${label} blocks`}>
              {blocks.map((b) => (
                <PaletteItem key={b.kind} block={b} />
              ))}
            </ul>
          </div>
        );
      })}
    </section>
  );
}
