/**
 * The opened model of slot A (docs/using.md, "Open your own model"), above the map while it
 * replaces the playground's model in the views: the badge with its file name and Close (back to
 * the playground's model, which the editor kept), what was found (attention layers and heads, the
 * nodes of each, fused attention that cannot be drawn and why, layers not drawn), its inputs and
 * how each is fed (the text's tokenizer, or zeros / a file), and the memory an analysis needs at
 * this length against the budget.
 */
import { needsText } from '../../opened/inputs';
import { openedMemory } from '../../opened/memory';
import type { TokenizerKind } from '../../opened/tokenizers';
import { formatBytes } from '../../spec/units';
import { MEMORY_BUDGET_BYTES } from '../../train/budget';
import { useApp } from '../useApp';
import { OtherInputs } from './OtherInputs';
import { siteHeads, summary, TOKENIZERS } from './describe';
import './opened.css';

export function OpenedPanel() {
  const model = useApp((s) => s.opened.a);
  const closeModel = useApp((s) => s.closeModel);
  const setFeed = useApp((s) => s.setOpenedFeed);
  const result = useApp((s) => (s.result?.opened && s.opened.a && s.result.opened.key === s.opened.a.key ? s.result : null));
  const textLength = useApp((s) => s.text.length);
  const failed = useApp((s) => (s.run.phase === 'failed' ? s.run.message : null));
  const running = useApp((s) => s.run.phase === 'running');
  if (!model) return null;
  const { info } = model;
  const facts = result?.data.opened ?? null;
  const T = result?.data.T ?? Math.max(1, textLength);
  // A model exported for a fixed length runs on the text padded to it: memory is of that run.
  const fed = facts?.paddedTo ?? T;
  const heads = siteHeads(info, facts);
  const mem = openedMemory(info, fed, heads);
  const text = needsText(info);

  return (
    <section className="panel opened-panel" aria-label="Opened model" data-testid="opened-panel">
      <div className="opened-head">
        <span className="badge" data-testid="opened-badge" title={`${info.producer || 'unknown producer'}, ONNX IR ${info.irVersion}, opset ${info.opset}, ${info.nodes} nodes`}>
          opened model: {info.fileName}
        </span>
        <button type="button" className="small-button" onClick={() => closeModel('a')} data-testid="opened-close" title="Back to the playground's model (the editor kept it)">
          Close
        </button>
        <strong data-testid="opened-summary">{summary(info, facts)}</strong>
      </div>
      {!result && (failed || !running) ? (
        <p className="notice" role="alert" data-testid="opened-not-run">
          {failed ? `${info.fileName} could not run: ${failed}` : `${info.fileName} has not run yet.`} The views below still show the previous result, not this model.
        </p>
      ) : null}
      {facts?.paddedTo ? (
        <p className="hint" data-testid="opened-padded" data-padded-to={facts.paddedTo}>
          {info.fileName} was exported for exactly {facts.paddedTo} tokens: the text's {T} are padded with {facts.paddedTo - T} more, hidden by its attention mask. The maps, entropy and next token are the text's {T} positions (the padding took no weight); latency is of the run of {facts.paddedTo}.
        </p>
      ) : null}
      <details data-testid="opened-details">
        <summary>What was found in {info.fileName}</summary>
        {info.attention.length ? (
          <table data-testid="opened-sites">
            <thead>
              <tr>
                <th scope="col">layer</th>
                <th scope="col">Softmax</th>
                <th scope="col">scores MatMul</th>
                <th scope="col">values MatMul</th>
                <th scope="col">heads</th>
              </tr>
            </thead>
            <tbody>
              {info.attention.map((s, i) => (
                <tr key={s.layer} data-softmax={s.softmax}>
                  <td>{s.layer}</td>
                  <td><code>{s.softmax}</code></td>
                  <td><code>{s.scores}</code></td>
                  <td><code>{s.values}</code></td>
                  <td>{heads[i] ?? '?'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {facts?.notDrawn.length ? <p data-testid="opened-not-drawn">Not drawn (queries and keys of different lengths): {facts.notDrawn.join('; ')}.</p> : null}
        <p className="hint">
          ONNX IR {info.irVersion}, opset {info.opset}, {info.nodes} nodes{info.producer ? `, written by ${info.producer}` : ''}. Attention is found as MatMul → (scale, mask) → Softmax → MatMul; each Softmax output is added as an extra output of a copy of the model (your file is not changed).
        </p>
      </details>
      {info.fused.length ? (
        <ul className="notice" data-testid="opened-fused">
          {info.fused.map((f) => (
            <li key={f.node} data-node={f.node}>
              {f.domain ? `${f.domain}.` : ''}
              {f.opType} node “{f.node}”: {f.why}
            </li>
          ))}
        </ul>
      ) : null}
      <details data-testid="opened-inputs-details">
        <summary>Inputs ({info.inputs.length})</summary>
        <table data-testid="opened-inputs">
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">role</th>
              <th scope="col">type</th>
              <th scope="col">dims</th>
            </tr>
          </thead>
          <tbody>
            {info.inputs.map((i) => (
              <tr key={i.name} data-role={i.role}>
                <td><code>{i.name}</code></td>
                <td>{i.role}</td>
                <td>{i.type}</td>
                <td>[{i.dims.join(', ')}]</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
      {text ? (
        <div className="opened-feed">
          <label>
            Tokenizer{' '}
            <select value={model.tokenizer} onChange={(e) => setFeed('a', { tokenizer: e.target.value as TokenizerKind })} data-testid="opened-tokenizer" aria-label="Tokenizer">
              {(Object.keys(TOKENIZERS) as TokenizerKind[]).map((k) => (
                <option key={k} value={k}>{TOKENIZERS[k]}</option>
              ))}
            </select>
          </label>
          <span className="hint" data-testid="opened-vocab">
            vocabulary: {info.vocabSize === null ? 'not found in the graph (ids are not checked against it)' : `${info.vocabSize} tokens (rows of the embedding table)`}
            {model.tokenizer === 'ids' ? ' · type the ids as numbers separated by spaces' : ''}
          </span>
        </div>
      ) : null}
      <OtherInputs slot="a" model={model} />
      <p className="hint" data-testid="opened-memory" data-total={mem.total} data-budget={MEMORY_BUDGET_BYTES}>
        Memory at {fed} {text ? 'tokens' : 'positions'}: the file twice (as given and tapped) {formatBytes(mem.files)} · weights in two sessions {formatBytes(mem.weights)} · attention probes {formatBytes(mem.probes)}
        {mem.logits ? ` · logits ${formatBytes(mem.logits)}` : ''} = {formatBytes(mem.total)} of the {formatBytes(MEMORY_BUDGET_BYTES)} budget
        {mem.total > MEMORY_BUDGET_BYTES ? ' — over it: shorten the text.' : '.'}
      </p>
    </section>
  );
}
