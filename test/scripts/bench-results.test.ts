// The benchmarks' shared pieces that need no browser: their flags and their sections of docs/benchmarks.md.
import { describe, expect, it } from 'vitest';
import { flag, spliceSection } from '../../scripts/bench/results';

describe('the benchmarks’ results', () => {
  it('reads the value after a flag, or nothing', () => {
    const args = ['--quick', '--max-t', '512', '--kinds', 'a,b'];
    expect(flag(args, 'max-t')).toBe('512');
    expect(flag(args, 'kinds')).toBe('a,b');
    expect(flag(args, 'heads')).toBeUndefined();
  });

  it('replaces one named section between its markers and leaves the others alone', () => {
    const doc = 'intro\n<!-- bench:start -->\nold bench\n<!-- bench:end -->\nmiddle\n<!-- browser:start -->\nold page\n<!-- browser:end -->\nend\n';
    const body = '<!-- browser:start -->\nnew page\n<!-- browser:end -->';
    expect(spliceSection(doc, 'browser', body, 'In the page')).toBe('intro\n<!-- bench:start -->\nold bench\n<!-- bench:end -->\nmiddle\n<!-- browser:start -->\nnew page\n<!-- browser:end -->\nend\n');
  });

  it('adds the section under its heading at the end when the markers are missing or out of order', () => {
    const body = '<!-- x:start -->\nx\n<!-- x:end -->';
    expect(spliceSection('# B\n\n', 'x', body, 'X')).toBe(`# B\n\n## X\n\n${body}\n`);
    expect(spliceSection('<!-- x:end -->\n<!-- x:start -->\n', 'x', body, 'X')).toBe(`<!-- x:end -->\n<!-- x:start -->\n\n## X\n\n${body}\n`);
  });
});
