/** Words for an opened model (pure: the panel and tests use them): its tokenizers' names and the summary of what was found. */
import type { TokenizerKind } from '../../opened/tokenizers';
import type { OpenedInfo } from '../../opened/types';
import type { AnalysisResult } from '../../state/store';

type OpenedFacts = NonNullable<AnalysisResult['opened']>;

/** The tokenizers as the selects name them. */
export const TOKENIZERS: Record<TokenizerKind, string> = { chars: 'Characters', gpt2: 'GPT-2 BPE', ids: 'Token ids' };

/** Heads of each attention site: as the run found them for the layers drawn, else as the graph fixes them (null: not known yet). */
export function siteHeads(info: OpenedInfo, facts: OpenedFacts | null): (number | null)[] {
  const ran = new Map(facts?.layers.map((l) => [l.softmax, l.heads]) ?? []);
  return info.attention.map((s) => ran.get(s.softmax) ?? s.heads);
}

/** "2 attention layers, 4 heads each", or each layer's heads when they differ (heads from the run when there is one). */
export function summary(info: OpenedInfo, facts: OpenedFacts | null): string {
  const n = info.attention.length;
  if (n === 0) return `No attention Softmax found${info.fused.length ? ` (${info.fused.length} fused attention node${info.fused.length === 1 ? '' : 's'}, not drawn)` : ''}`;
  const heads = siteHeads(info, facts);
  const layers = `${n} attention layer${n === 1 ? '' : 's'}`;
  if (heads.some((h) => h === null)) return `${layers}, heads known after the first run`;
  const same = heads.every((h) => h === heads[0]);
  return same ? `${layers}, ${heads[0]} head${heads[0] === 1 ? '' : 's'} each` : `${layers}, heads ${heads.join(', ')}`;
}

