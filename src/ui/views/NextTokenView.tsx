/**
 * What the model predicts next at one position: the softmax of that row of logits as the ten most
 * likely characters, and the entropy of the whole distribution in nats and bits. The position is
 * the last token until the person picks another. Bars are drawn with D3 after each render; the
 * numbers drawn are on the SVG's data attributes.
 */
import { scaleBand, scaleLinear } from 'd3-scale';
import { useEffect, useMemo, useRef, useState } from 'react';
import { nextToken, type NextToken } from '../../analysis/nextToken';
import { CHAR_VOCAB } from '../../spec/vocab';
import { useDeferredResult } from '../useApp';
import { chartDocument, inner, joinValues, MARK_BLUE, plotFrame, type Frame } from './chart';
import { ChartSvg } from './ChartSvg';
import { download, ExportButtons } from './ExportButtons';
import type { ShownResult } from '../../state/store';
import { showPiece } from './pieces';
import { WaitingHint } from './Waiting';
import { ContinueText } from './ContinueText';
import { decodePiece } from '../../opened/tokenizers';
import { useApp } from '../useApp';
import { PlaygroundOnly } from '../opened/PlaygroundOnly';

const K = 10;
const FRAME: Frame = { width: 400, height: 250, margin: { top: 8, right: 52, bottom: 34, left: 54 } };

/** Nats or bits to three decimals, or in scientific notation when that would show 0.000. */
const amount = (v: number) => (v !== 0 && Math.abs(v) < 5e-4 ? v.toExponential(2) : v.toFixed(3));

/** A token id as the character it stands for, with space and newline made visible. */
const tokenLabel = (id: number) => showPiece(CHAR_VOCAB[id] ?? `#${id}`);

function drawBars(svg: SVGSVGElement, next: NextToken, tokenLabel: (id: number) => string, what: string) {
  const { w, h } = inner(FRAME);
  const top = next.top;
  const y = scaleBand<number>().domain(top.map((_, r) => r)).range([0, h]).padding(0.18);
  const x = scaleLinear().domain([0, Math.min(1, Math.max(...top.map((t) => t.p), 1e-9) * 1.05)]).range([0, w]).nice();
  const g = plotFrame(svg, FRAME, x, y, {
    xTitle: 'probability',
    yTitle: what,
    xFormat: (p) => `${+(Number(p) * 100).toFixed(1)}%`,
    xTicks: x.ticks(5),
    yFormat: (r) => tokenLabel(top[r]!.id),
  });
  g.selectAll('rect.bar-mark')
    .data(top)
    .join('rect')
    .attr('class', 'bar-mark')
    .attr('fill', MARK_BLUE)
    .attr('x', 0)
    .attr('y', (_, r) => y(r)!)
    .attr('width', (t) => x(t.p))
    .attr('height', y.bandwidth());
  g.selectAll('text.bar-value')
    .data(top)
    .join('text')
    .attr('class', 'bar-value')
    .attr('fill', 'currentColor')
    .attr('x', (t) => x(t.p) + 4)
    .attr('y', (_, r) => y(r)! + y.bandwidth() / 2 + 3)
    .text((t) => (t.p >= 5e-4 ? `${(t.p * 100).toFixed(1)}%` : t.p.toExponential(1)));
  const first = top[0];
  Object.assign(svg.dataset, {
    position: String(next.position),
    argmax: String(first?.id ?? ''),
    argmaxProb: String(first?.p ?? ''),
    entropyNats: String(next.entropyNats),
    entropyBits: String(next.entropyBits),
    ids: top.map((t) => t.id).join(','),
    values: joinValues(top.map((t) => t.p)),
    labels: top.map((t) => tokenLabel(t.id)).join('\u0001'),
  });
}

/** The logits of a result as a JSON file: one row of vocabSize scores per position, with what computed them. */
function logitsFile(result: ShownResult): Blob {
  const { logits, vocabSize, T, backend } = result.data;
  const rows = Array.from({ length: T }, (_, t) => Array.from(logits.subarray(t * vocabSize, (t + 1) * vocabSize)));
  const doc = { model: result.data.opened?.fileName ?? result.spec.name, text: result.input.pieces.join(''), T, vocabSize, backend: backend.provider, logits: rows };
  return new Blob([JSON.stringify(doc)], { type: 'application/json' });
}

export function NextTokenView() {
  const result = useDeferredResult();
  const [picked, setPicked] = useState<number | null>(null); // null: follow the last token
  const svgRef = useRef<SVGSVGElement>(null);
  const T = result?.data.T ?? 0;
  const position = picked === null ? T - 1 : Math.min(picked, T - 1);
  const next = useMemo(() => (result && result.data.vocabSize > 0 && position >= 0 ? nextToken(result.data.logits, result.data.vocabSize, position, K) : null), [result, position]);
  // An opened model's candidates are named by its tokenizer (GPT-2's pieces load lazily), or "#id" for a model fed no text.
  const tokenizer = useApp((s) => s.opened.a?.tokenizer ?? null);
  const opened = result?.opened ?? null;
  const [decoded, setDecoded] = useState<{ next: NextToken; pieces: Map<number, string> } | null>(null);
  useEffect(() => {
    if (!next || !opened || opened.ids === null || !tokenizer) return;
    let live = true;
    void Promise.all(next.top.map((t) => decodePiece(tokenizer, t.id).then((p): [number, string] => [t.id, showPiece(p)], (): [number, string] => [t.id, `#${t.id}`]))).then((pairs) => {
      if (live) setDecoded({ next, pieces: new Map(pairs) });
    });
    return () => {
      live = false;
    };
  }, [next, opened, tokenizer]);
  const label = useMemo(() => {
    if (!opened) return tokenLabel;
    const pieces = decoded?.next === next ? decoded.pieces : null;
    return (id: number) => pieces?.get(id) ?? `#${id}`;
  }, [opened, decoded, next]);
  useEffect(() => {
    if (next) drawBars(svgRef.current!, next, label, opened ? 'next token' : 'next character');
  }, [next, label, opened]);

  const pieces = result?.input.pieces ?? [];
  const context = pieces.slice(Math.max(0, position - 15), position + 1).map(showPiece).join('');
  return (
    <section className="panel" aria-label="Next token">
      <div className="panel-head">
        <h2>Next token</h2>
        {result ? (
          <>
            <label className="position-pick">
              position{' '}
              <input
                type="number"
                min={0}
                max={T - 1}
                value={position}
                aria-label="Position"
                data-testid="next-token-position"
                onChange={(e) => {
                  const v = e.target.valueAsNumber;
                  if (Number.isInteger(v)) setPicked(v >= T - 1 ? null : Math.max(0, v));
                }}
              />
            </label>
            <button type="button" className="small-button" aria-pressed={picked === null} onClick={() => setPicked(null)}>
              last token
            </button>
          </>
        ) : null}
        <ExportButtons name="next-token" svg={() => chartDocument(svgRef.current)} />
        {result ? (
          <button type="button" className="small-button" data-testid="export-logits" title="Every position's next-token scores as JSON, with the backend that computed them" onClick={() => download(logitsFile(result), 'logits.json')}>
            Logits .json
          </button>
        ) : null}
      </div>
      {result?.opened && result.data.vocabSize === 0 ? (
        <p className="hint" data-testid="next-token-none">
          This model has no output of next-token scores (no [batch, tokens, vocabulary] output found), so there is no prediction to show.
        </p>
      ) : !next ? (
        <WaitingHint />
      ) : null}
      {next ? (
        <p className="readout next-context" data-testid="next-token-context">
          After “<span className="mono">{context}</span>” (token {position} of {T}):
        </p>
      ) : null}
      <ChartSvg
        svgRef={svgRef}
        frame={FRAME}
        testId="next-token"
        shown={next !== null}
        label={next ? `The ${K} most likely next tokens after position ${position}; the first is ${label(next.top[0]!.id)} at ${(next.top[0]!.p * 100).toFixed(1)}%` : 'No prediction yet'}
      />
      {next ? (
        <p className="hint" data-testid="next-token-entropy">
          Entropy of the whole distribution: {amount(next.entropyNats)} nats = {amount(next.entropyBits)} bits. Uniform over all {result!.data.vocabSize} {opened ? 'tokens' : 'characters'} would be{' '}
          {next.uniformNats.toFixed(3)} nats (log {result!.data.vocabSize}).
          {opened
            ? ` These are the opened model's own scores${opened.ids === null ? ' (it is fed no text, so candidates are shown by id)' : ', candidates named by the chosen tokenizer'}.`
            : ' The model is untrained (seeded random weights): this shows how the architecture turns the text into scores, not what a trained model would guess.'}
          {!opened && result!.input.ids[position] === next.top[0]!.id
            ? ' Here the top guess is the character just read: the output reuses the token embeddings (tied), and the untrained residual stream still looks most like the current token\'s embedding.'
            : ''}
        </p>
      ) : null}
      {result ? (
        <PlaygroundOnly what="Continue the text">
          <ContinueText result={result} />
        </PlaygroundOnly>
      ) : null}
    </section>
  );
}
