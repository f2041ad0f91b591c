/** The model as it stands: the layer count (editable) and what each layer holds. */
import { findPreset } from '../../presets';
import { blockInfo, type Slot } from '../../spec/catalog';
import { LIMITS } from '../../spec/schema';
import type { BlockRef, LayerSpec } from '../../spec/types';
import { useApp } from '../useApp';

const PLACEMENT: Record<LayerSpec['placement'], string> = { pre: 'Pre-LN', post: 'Post-LN', peri: 'Peri-LN' };

/** A block's parameters in a few words: "(causal, kvHeads 2)". */
function paramSummary(block: BlockRef): string {
  const parts = Object.entries(block.params).map(([k, v]) => (typeof v === 'boolean' ? (v ? k : `not ${k}`) : `${k} ${String(v)}`));
  return parts.length ? `(${parts.join(', ')})` : '';
}

function BlockName({ slot, block, detail }: { slot: Slot; block: BlockRef; detail?: string }) {
  const def = blockInfo(slot, block.kind);
  return (
    <span className="block-name" title={def ? `${def.explanation}\n\nPaper: ${def.paper}` : block.kind}>
      {def?.title ?? block.kind}
      {detail ? <span className="detail"> {detail}</span> : null}
    </span>
  );
}

export function ModelPanel() {
  const spec = useApp((s) => s.spec);
  const setLayerCount = useApp((s) => s.setLayerCount);
  const preset = useApp((s) => (s.presetId ? findPreset(s.presetId) : undefined));
  const L = spec.layers.length;

  return (
    <>
      <h2>Model</h2>
      {preset ? (
        <p className="preset-note" data-testid="preset-citation">
          {preset.description} <cite>{preset.citation}</cite>
        </p>
      ) : null}
      <div className="field">
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
            onChange={(e) => {
              const n = e.target.valueAsNumber;
              if (Number.isFinite(n)) setLayerCount(n);
            }}
          />
          <button type="button" aria-label="Add a layer" disabled={L >= LIMITS.layers.max} onClick={() => setLayerCount(L + 1)}>
            +
          </button>
        </div>
        <span className="hint">
          {LIMITS.layers.min}–{LIMITS.layers.max}; a new layer copies the last one.
        </span>
      </div>

      <dl className="globals">
        <dt>d_model</dt><dd>{spec.dModel}</dd>
        <dt>heads</dt><dd>{spec.nHeads} × {spec.dModel / spec.nHeads}</dd>
        <dt>context</dt><dd>{spec.maxLen} tokens</dd>
        <dt>vocabulary</dt><dd>characters</dd>
        <dt>position</dt><dd><BlockName slot="position" block={spec.position} detail={paramSummary(spec.position)} /></dd>
        {spec.sigmaReparam.enabled ? (<><dt>σReparam</dt><dd>on, γ = {spec.sigmaReparam.gamma}</dd></>) : null}
        <dt>seed</dt><dd>{spec.seed}</dd>
      </dl>

      <ol className="layer-stack" aria-label="Layer stack" start={0}>
        {spec.layers.map((layer, i) => (
          <li key={i} className="layer-card" data-testid="layer-card">
            <div className="layer-title">layer {i}</div>
            <div className="slot"><span className="slot-name">norm</span><BlockName slot="norm" block={layer.norm} detail={PLACEMENT[layer.placement]} /></div>
            <div className="slot"><span className="slot-name">mixer</span><BlockName slot="mixer" block={layer.mixer} detail={paramSummary(layer.mixer)} /></div>
            <div className="slot"><span className="slot-name">feed-forward</span><BlockName slot="ffn" block={layer.ffn} detail={paramSummary(layer.ffn)} /></div>
            <div className="slot"><span className="slot-name">topology</span><BlockName slot="topology" block={layer.topology} /></div>
            {spec.loops.filter((l) => l.start === i).map((l) => (
              <div key="loop" className="slot loop-note">runs layers {l.start}–{l.end} {l.count}× with shared weights</div>
            ))}
          </li>
        ))}
      </ol>
    </>
  );
}
