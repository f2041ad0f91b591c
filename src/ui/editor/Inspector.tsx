/** The inspector: the selected block's kind and parameters, with controls generated from its schema. */
import { blockInfo, blocksFor, PLACEMENT_OPTIONS as PLACEMENTS, slotLabel } from '../../spec/catalog';
import { blockAt, type BlockTarget } from '../../spec/edits';
import type { NormPlacement } from '../../spec/types';
import { useApp } from '../useApp';
import { ParamControl, SelectField } from './fields';


export function Inspector({ target }: { target: BlockTarget | null }) {
  const spec = useApp((s) => s.spec);
  const edit = useApp((s) => s.edit);
  const block = target ? blockAt(spec, target) : undefined;
  if (!target || !block) {
    return (
      <section className="inspector" aria-label="Inspector">
        <h2>Inspector</h2>
        <p className="hint">Select a slot in a layer card to edit its block.</p>
      </section>
    );
  }
  const info = blockInfo(target.slot, block.kind);
  const where = target.slot === 'position' ? 'Positional encoding (all layers)' : `Layer ${target.layer} · ${slotLabel(target.slot)}`;
  return (
    <section className="inspector" aria-label="Inspector" data-testid="inspector">
      <h2>Inspector</h2>
      <p className="inspector-where">{where}</p>
      <SelectField
        label="Block"
        value={block.kind}
        options={blocksFor(target.slot).map((b) => ({ value: b.kind, label: b.title }))}
        commit={(kind) => edit({ type: 'setBlock', target, kind: String(kind) })}
        testId="inspector-kind"
      />
      {info ? (
        <details className="explain">
          <summary>What it does</summary>
          <p>{info.explanation}</p>
          <p className="paper">Paper: {info.paper}</p>
        </details>
      ) : null}
      {target.slot === 'norm' ? (
        <SelectField
          label="Placement"
          value={spec.layers[target.layer]!.placement}
          options={PLACEMENTS}
          commit={(p) => edit({ type: 'setPlacement', layer: target.layer, placement: p as NormPlacement })}
          testId="inspector-placement"
        />
      ) : null}
      {info && Object.keys(info.params).length ? (
        <fieldset className="params">
          <legend>Parameters</legend>
          {Object.entries(info.params).map(([name, p]) => (
            <ParamControl key={`${JSON.stringify(target)}.${block.kind}.${name}`} name={name} info={p} value={block.params[name] ?? p.default} commit={(value) => edit({ type: 'setParam', target, name, value })} />
          ))}
        </fieldset>
      ) : (
        <p className="hint">This block has no parameters.</p>
      )}
      {target.slot !== 'position' ? (
        <button type="button" className="apply-all" onClick={() => edit({ type: 'applyToAll', from: target.layer, slot: target.slot })}>
          Apply to all layers
        </button>
      ) : null}
    </section>
  );
}
