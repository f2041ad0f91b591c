/** Sizes and counts in words, shared by messages from the core and the page (both may import spec/). */

/** 1536 → "1.5 KiB", 3·2³⁰ → "3 GiB" (binary steps of 1024). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 || v >= 10 ? Math.round(v) : Number(v.toFixed(1))} ${units[u]}`;
}

/** 1234567 → "1.23 M" (SI steps of 1000). */
export function formatCount(n: number): string {
  const units = ['', 'k', 'M', 'G', 'T'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return u === 0 ? String(Math.round(v)) : `${Number(v.toPrecision(3))} ${units[u]}`;
}
