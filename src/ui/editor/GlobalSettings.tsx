/** Model-wide settings: size, heads, key/value heads, context, vocabulary, seed, positions, σReparam, loops. */
import { blockInfo, blocksFor } from '../../spec/catalog';
import type { EditResult } from '../../spec/edits';
import { LIMITS } from '../../spec/schema';
import type { LoopSpec } from '../../spec/types';
import { VOCAB_SIZE } from '../../spec/vocab';
import { useApp } from '../useApp';
import { CheckField, NumberField, SelectField, TextField } from './fields';

/** The key/value heads shared by the attention layers, or null when no layer has them (or they differ). */
function sharedKvHeads(layers: { mixer: { kind: string; params: Record<string, unknown> } }[]): { value: number; uniform: boolean } | null {
  const values = layers.filter((l) => blockInfo('mixer', l.mixer.kind)?.params['kvHeads']).map((l) => Number(l.mixer.params['kvHeads'] ?? 0));
  if (!values.length) return null;
  return { value: values[0]!, uniform: values.every((v) => v === values[0]) };
}

function LoopsEditor() {
  const loops = useApp((s) => s.spec.loops);
  const L = useApp((s) => s.spec.layers.length);
  const edit = useApp((s) => s.edit);
  const setLoop = (i: number, patch: Partial<LoopSpec>): EditResult => edit({ type: 'setLoops', loops: loops.map((l, k) => (k === i ? { ...l, ...patch } : l)) });
  return (
    <fieldset className="loops">
      <legend>Weight-shared loops</legend>
      {loops.length === 0 ? <p className="hint">None: every layer runs once. A loop runs a group of layers several times with the same weights.</p> : null}
      {loops.map((loop, i) => (
        <div className="loop-row" key={i} data-testid={`loop-${i}`}>
          <NumberField label="from layer" value={loop.start} min={0} max={L - 1} commit={(v) => setLoop(i, { start: Number(v) })} />
          <NumberField label="to layer" value={loop.end} min={0} max={L - 1} commit={(v) => setLoop(i, { end: Number(v) })} />
          <NumberField label="times" value={loop.count} min={LIMITS.loopCount.min} max={LIMITS.loopCount.max} commit={(v) => setLoop(i, { count: Number(v) })} />
          <button type="button" aria-label={`Remove loop ${i}`} onClick={() => edit({ type: 'setLoops', loops: loops.filter((_, k) => k !== i) })}>
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        onClick={() => {
          const free = Array.from({ length: L }, (_, i) => i).find((i) => !loops.some((l) => l.start <= i && i <= l.end));
          edit({ type: 'setLoops', loops: [...loops, { start: free ?? L, end: free ?? L, count: 2 }] });
        }}
      >
        Add a loop
      </button>
    </fieldset>
  );
}

export function GlobalSettings() {
  const spec = useApp((s) => s.spec);
  const edit = useApp((s) => s.edit);
  const kv = sharedKvHeads(spec.layers);
  const num = (key: 'dModel' | 'nHeads' | 'maxLen' | 'seed') => (v: unknown) => edit({ type: 'setGlobal', key, value: v });
  return (
    <section className="globals-form" aria-label="Model settings">
      <h2>Model settings</h2>
      <TextField label="Name" value={spec.name} commit={(v) => edit({ type: 'setGlobal', key: 'name', value: v })} testId="setting-name" />
      <div className="field-row">
        <NumberField label="d_model" value={spec.dModel} min={LIMITS.dModel.min} max={LIMITS.dModel.max} commit={num('dModel')} testId="setting-dModel" />
        <NumberField label="Heads" value={spec.nHeads} min={LIMITS.nHeads.min} max={LIMITS.nHeads.max} commit={num('nHeads')} hint={`head size ${spec.dModel / spec.nHeads}`} testId="setting-nHeads" />
        {kv ? (
          <NumberField
            label="Key/value heads"
            value={kv.value}
            min={0}
            max={spec.nHeads}
            commit={(v) => edit({ type: 'setKvHeads', value: Number(v) })}
            hint={kv.uniform ? '0 = one per query head; must divide the heads' : 'layers differ; a value here sets them all'}
            testId="setting-kvHeads"
          />
        ) : null}
      </div>
      <div className="field-row">
        <NumberField label="Sequence length" value={spec.maxLen} min={LIMITS.maxLen.min} max={LIMITS.maxLen.max} commit={num('maxLen')} hint="longest text, in tokens" testId="setting-maxLen" />
        <NumberField label="Seed" value={spec.seed} min={LIMITS.seed.min} max={LIMITS.seed.max} commit={num('seed')} hint="of every weight's random stream" testId="setting-seed" />
      </div>
      <SelectField
        label="Vocabulary"
        value={spec.tokenizer.kind}
        options={[{ value: 'char', label: `Characters (${VOCAB_SIZE} tokens)` }]}
        commit={() => ({ ok: true, spec, summary: '' })}
        hint="one token per character; the only tokenizer so far"
      />
      <SelectField
        label="Positional encoding"
        value={spec.position.kind}
        options={blocksFor('position').map((b) => ({ value: b.kind, label: b.title }))}
        commit={(kind) => edit({ type: 'setBlock', target: { slot: 'position' }, kind: String(kind) })}
        testId="setting-position"
      />
      <div className="field-row">
        <CheckField label="σReparam on every linear layer" value={spec.sigmaReparam.enabled} commit={(v) => edit({ type: 'setSigmaReparam', enabled: Boolean(v), gamma: spec.sigmaReparam.gamma })} testId="setting-sigma" />
        {spec.sigmaReparam.enabled ? (
          <NumberField label="γ" value={spec.sigmaReparam.gamma} min={LIMITS.sigmaGamma.min} max={LIMITS.sigmaGamma.max} step="any" commit={(v) => edit({ type: 'setSigmaReparam', enabled: true, gamma: Number(v) })} />
        ) : null}
      </div>
      <LoopsEditor />
    </section>
  );
}
