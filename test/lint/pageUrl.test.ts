// One module reads the page's URL (src/state/share.ts: share links, classroom flags, the page's
// own link); main.tsx only hands it window.location. Workers read their own script's location.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const READER = join('src', 'state', 'share.ts');
const ENTRY = join('src', 'main.tsx');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(f) ? [p] : [];
  });
}

describe('the page URL', () => {
  it('is read by src/state/share.ts alone', () => {
    const readers = files('src')
      .filter((f) => f !== READER && f !== ENTRY)
      .filter((f) => /(?:^|[^.\w]|\bwindow\.)location\.(?:hash|search|pathname|origin|href)/.test(readFileSync(f, 'utf8').replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '')));
    expect(readers).toEqual([]);
    expect(readFileSync(READER, 'utf8')).toMatch(/location\.search/);
  });
});
