/**
 * The layer stack: one card per layer with its slots. Blocks dropped on a slot set it; dropped on
 * a gap between cards they insert a new layer; cards are reordered by their handle. Weight-shared
 * loop groups are drawn as a bracket beside the cards they repeat.
 */
import { useDndContext, useDroppable } from '@dnd-kit/core';
import { SortableContext, useSortable, verticalListSortingStrategy } from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import { blockInfo, PLACEMENT_NAMES as PLACEMENT, slotLabel } from '../../spec/catalog';
import type { DropPart } from '../../spec/drop';
import type { BlockTarget, LayerSlot } from '../../spec/edits';
import { copiedFromLayers } from '../../spec/mapSharing';
import type { BlockRef, LayerSpec, LoopSpec } from '../../spec/types';
import { useApp } from '../useApp';
import { itemOf, type DropTarget } from './dnd';
import { Wiring } from './Wiring';

const LAYER_SLOTS: readonly LayerSlot[] = ['mixer', 'norm', 'ffn', 'topology'];

/** A block's parameters in a few words: "causal, kvHeads 2". */
export function paramSummary(block: BlockRef): string {
  return Object.entries(block.params)
    .map(([k, v]) => (typeof v === 'boolean' ? (v ? k : `not ${k}`) : `${k} ${String(v)}`))
    .join(', ');
}

const sameTarget = (a: BlockTarget | null, b: BlockTarget) => !!a && a.slot === b.slot && (a.slot === 'position' || (b.slot !== 'position' && a.layer === b.layer));

/** A slot: shows its block, takes drops, and selects the block for the inspector on click. */
export function SlotButton({ target, block, selected, onSelect, extra, dropped }: { target: BlockTarget; block: BlockRef; selected: BlockTarget | null; onSelect: (t: BlockTarget) => void; extra?: string; dropped?: boolean }) {
  const where = target.slot === 'position' ? 'the positional encoding slot' : `layer ${target.layer}'s ${slotLabel(target.slot).toLowerCase()} slot`;
  const data: DropTarget = { type: 'slot', target, label: where };
  const { active } = useDndContext();
  const dragging = itemOf(active?.data);
  const id = target.slot === 'position' ? 'slot:position' : `slot:${target.layer}:${target.slot}`;
  const { setNodeRef, isOver } = useDroppable({ id, data, disabled: dragging?.type === 'layer' });
  const info = blockInfo(target.slot, block.kind);
  const fits = !dragging || dragging.type !== 'block' || dragging.slot === target.slot;
  const summary = paramSummary(block);
  return (
    <div className={`slot${isOver ? (fits ? ' over' : ' over refuse') : ''}${dropped ? ' dropped' : ''}`} ref={setNodeRef} data-testid={id} data-kind={block.kind} data-dropped={dropped ? 'true' : undefined}>
      <span className="slot-name">{slotLabel(target.slot)}</span>
      <button
        type="button"
        className={`slot-block chip-${target.slot}${sameTarget(selected, target) ? ' selected' : ''}`}
        aria-pressed={sameTarget(selected, target)}
        aria-label={`${slotLabel(target.slot)}${target.slot === 'position' ? '' : ` of layer ${target.layer}`}: ${info?.title ?? block.kind}${summary ? ` (${summary})` : ''}${dropped ? ', dropped' : ''}. Edit in the inspector`}
        title={info ? `${info.explanation}\n\nPaper: ${info.paper}` : block.kind}
        onClick={() => onSelect(target)}
      >
        {info?.title ?? block.kind}
        {extra || summary ? <span className="detail"> {[extra, summary].filter(Boolean).join(' · ')}</span> : null}
      </button>
      {isOver && !fits && dragging?.type === 'block' ? (
        <span className="refuse-reason" role="note">
          takes only {slotLabel(target.slot).toLowerCase()} blocks
        </span>
      ) : null}
    </div>
  );
}

/** A drop zone between cards: a block dropped here becomes a new layer at `at`. */
function Gap({ at }: { at: number }) {
  const { active } = useDndContext();
  const dragging = itemOf(active?.data);
  const data: DropTarget = { type: 'gap', at, label: `a new layer at position ${at}` };
  const { setNodeRef, isOver } = useDroppable({ id: `gap:${at}`, data, disabled: dragging?.type !== 'block' });
  return (
    <li className={`gap${dragging?.type === 'block' ? ' open' : ''}${isOver ? ' over' : ''}`} ref={setNodeRef} data-testid={`gap:${at}`} aria-hidden={dragging?.type !== 'block'}>
      {dragging?.type === 'block' ? `drop here to insert a new layer at ${at}` : null}
    </li>
  );
}

function LayerCard({ index, layer, loop, selected, onSelect }: { index: number; layer: LayerSpec; loop: LoopSpec | undefined; selected: BlockTarget | null; onSelect: (t: BlockTarget) => void }) {
  const edit = useApp((s) => s.edit);
  const count = useApp((s) => s.spec.layers.length);
  const spec = useApp((s) => s.spec);
  const mapFrom = blockInfo('mixer', layer.mixer.kind)?.copiesMap ? copiedFromLayers(spec, index) : undefined;
  const data: DropTarget = { type: 'layer', index, label: `position ${index} in the layer stack` };
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition, isDragging } = useSortable({ id: `layer:${index}`, data: { ...data, ...{ type: 'layer', index } } });
  const style = { transform: CSS.Translate.toString(transform), transition };
  return (
    <li ref={setNodeRef} style={style} className={`layer-card${isDragging ? ' dragging' : ''}${loop ? ' looped' : ''}`} data-testid="layer-card" data-index={index} aria-label={`Layer ${index}`}>
      <div className="layer-head">
        <button type="button" className="handle" ref={setActivatorNodeRef} {...attributes} {...listeners} aria-roledescription="sortable layer" aria-label={`Move layer ${index}`} data-testid={`layer-handle-${index}`}>
          ⠿
        </button>
        <span className="layer-title">layer {index}</span>
        <span className="layer-actions">
          <button type="button" aria-label={`Move layer ${index} up`} disabled={index === 0} onClick={() => edit({ type: 'moveLayer', from: index, to: index - 1 })}>↑</button>
          <button type="button" aria-label={`Move layer ${index} down`} disabled={index === count - 1} onClick={() => edit({ type: 'moveLayer', from: index, to: index + 1 })}>↓</button>
          <button type="button" aria-label={`Duplicate layer ${index}`} onClick={() => edit({ type: 'duplicateLayer', index })}>Duplicate</button>
          <button type="button" aria-label={`Delete layer ${index}`} disabled={count <= 1} onClick={() => edit({ type: 'deleteLayer', index })}>Delete</button>
        </span>
      </div>
      {LAYER_SLOTS.map((slot) => (
        <SlotButton
          key={slot}
          target={{ layer: index, slot }}
          block={layer[slot]}
          selected={selected}
          onSelect={onSelect}
          extra={slot === 'norm' ? PLACEMENT[layer.placement] : undefined}
          dropped={(slot === 'mixer' || slot === 'ffn') && !!layer.drop?.[slot]}
        />
      ))}
      <DropSwitches index={index} layer={layer} />
      <Wiring layer={layer} index={index} mapFrom={mapFrom} />
    </li>
  );
}

/**
 * The layer's drop switches ("What Matters in Transformers?", He et al. 2024): a dropped token
 * mixer or feed-forward block is removed with its norms and residual add; the Drop view says what
 * it costs against the full model.
 */
function DropSwitches({ index, layer }: { index: number; layer: LayerSpec }) {
  const edit = useApp((s) => s.edit);
  const parts: [DropPart, string][] = [['mixer', 'mixer'], ['ffn', 'feed-forward']];
  return (
    <div className="drop-switches" title="Drop a sub-block: the layer runs without it (its norms and residual add go too). The Drop view ranks sub-blocks by similarity and shows the KL from the full model.">
      <span className="slot-name">Drop</span>
      {parts.map(([part, label]) => (
        <label key={part}>
          <input
            type="checkbox"
            data-testid={`drop-${index}-${part}`}
            checked={!!layer.drop?.[part]}
            onChange={(e) => edit({ type: 'setDrop', layer: index, part, on: e.target.checked })}
          />{' '}
          {label}
        </label>
      ))}
    </div>
  );
}

export function LayerStack({ selected, onSelect }: { selected: BlockTarget | null; onSelect: (t: BlockTarget) => void }) {
  const layers = useApp((s) => s.spec.layers);
  const loops = useApp((s) => s.spec.loops);
  const ids = layers.map((_, i) => `layer:${i}`);
  const loopOf = (i: number) => loops.find((l) => l.start <= i && i <= l.end);
  return (
    <div className="stack-wrap">
      <SortableContext items={ids} strategy={verticalListSortingStrategy}>
        <ol className="layer-stack" aria-label="Layer stack" start={0}>
          {layers.map((layer, i) => (
            <LoopedCard key={i} index={i} layer={layer} loop={loopOf(i)} selected={selected} onSelect={onSelect} />
          ))}
          <Gap at={layers.length} />
        </ol>
      </SortableContext>
    </div>
  );
}

/** A card with the gap above it, and the loop bracket when the card opens a looped group. */
function LoopedCard({ index, layer, loop, selected, onSelect }: { index: number; layer: LayerSpec; loop: LoopSpec | undefined; selected: BlockTarget | null; onSelect: (t: BlockTarget) => void }) {
  return (
    <>
      <Gap at={index} />
      {loop && loop.start === index ? (
        <li className="loop-bracket" data-testid="loop-bracket" data-start={loop.start} data-end={loop.end} data-count={loop.count} aria-label={`Layers ${loop.start} to ${loop.end} run ${loop.count} times with shared weights`}>
          ⟲ layers {loop.start}–{loop.end} × {loop.count}, shared weights
        </li>
      ) : null}
      <LayerCard index={index} layer={layer} loop={loop} selected={selected} onSelect={onSelect} />
    </>
  );
}
