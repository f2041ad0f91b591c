// The docs keep up with the code: every block, parameter and limit appears in docs/config.md.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../src/blocks/registry';
import { LIMITS } from '../src/spec/schema';
import { SPEC_VERSION } from '../src/spec/types';
import { GENERATED_DOCS, regenerate } from '../scripts/docs';

const config = readFileSync('docs/config.md', 'utf8');

describe('docs/config.md', () => {
  it.each(BLOCKS.map((b) => [b.slot, b.kind, b.paper]))('documents the %s block %s with its paper', (slot, kind, paper) => {
    // The blocks table: | slot | kind | parameters | paper |
    const row = config.split('\n').find((l) => l.startsWith('|') && l.split('|')[1]?.trim() === `\`${slot}\`` && l.split('|')[2]?.trim() === `\`${kind}\``);
    expect(row, `no table row for ${kind}`).toBeDefined();
    expect(row).toContain(paper);
  });

  it('states every limit of the global settings', () => {
    const docName: Record<string, string> = { sigmaGamma: 'sigmaReparam.gamma', loopCount: 'loops[k].count', depth: 'loops' };
    for (const [key, { min, max }] of Object.entries(LIMITS)) {
      const field = docName[key] ?? key;
      const rows = config.split('\n').filter((l) => l.startsWith('|') && l.includes(`\`${field}\``));
      expect(rows.some((r) => r.includes(`${min} to ${max}`)), `${field}: ${min} to ${max}`).toBe(true);
    }
  });

  it('describes the current format version and every migration step', () => {
    expect(config).toContain(`**version ${SPEC_VERSION}**`);
    for (let v = 1; v < SPEC_VERSION; v++) expect(config).toMatch(new RegExp(`\\| ${v} \\| ${v + 1} \\|`));
  });
});

describe('docs/blocks.md', () => {
  const blocks = readFileSync('docs/blocks.md', 'utf8');
  it.each(BLOCKS.map((b) => [b.slot, b.kind]))('has a section for the %s block %s', (slot, kind) => {
    // Sections sit under their slot's heading, which names the slot as (slot `x`).
    const part = blocks.split(/^## /m).find((sec) => sec.includes(`(slot \`${slot}\`)`)) ?? '';
    expect(part).toMatch(new RegExp(`^### .*\\(\`${kind}\`\\)`, 'm'));
  });
});

describe('the generated parts of the docs (npm run docs)', () => {
  it.each(GENERATED_DOCS)('%s is what the block declarations give', (file) => {
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(/<!-- generated:\w+/);
    expect(regenerate(text, file) === text, `${file} is stale: run npm run docs`).toBe(true);
  });
});
