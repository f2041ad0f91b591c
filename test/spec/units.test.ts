import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount } from '../../src/spec/units';

describe('units', () => {
  it('bytes in binary steps', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3 GiB');
    expect(formatBytes(2.9 * 2 ** 30)).toBe('2.9 GiB');
    expect(formatBytes(12.4 * 2 ** 20)).toBe('12 MiB');
  });
  it('counts in SI steps', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1234567)).toBe('1.23 M');
    expect(formatCount(105_000)).toBe('105 k');
    expect(formatCount(2e9)).toBe('2 G');
  });
});
