/** readNpy: files written by numpy.save (fixtures, numpy 1.24) and bytes built here from the format's description (numpy.lib.format), each dtype and each refusal. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readNpy } from '../../src/opened/npy';
import { OpenError } from '../../src/opened/types';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** A .npy file: magic, version, header length (u16 in v1, u32 in v2/v3), the dict padded with spaces to a multiple of 64 ending in \n, then `body`. */
function npy(descr: string, shape: number[], body: Uint8Array, { version = 1, fortran = false } = {}): Uint8Array {
  const dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.map((d) => `${d},`).join(' ')}), }`;
  const pre = version === 1 ? 10 : 12;
  const len = Math.ceil((pre + dict.length + 1) / 64) * 64 - pre;
  const header = new TextEncoder().encode(dict.padEnd(len - 1, ' ') + '\n');
  const out = new Uint8Array(pre + len + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, len, true);
  else view.setUint32(8, len, true);
  out.set(header, pre);
  out.set(body, pre + len);
  return out;
}
const le = (a: Float32Array | Float64Array | BigInt64Array | Int32Array) => new Uint8Array(a.buffer);

function refused(bytes: Uint8Array): string {
  try {
    readNpy(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(OpenError);
    return (e as Error).message;
  }
  throw new Error('not refused');
}

describe('readNpy', () => {
  it('reads files numpy.save wrote', () => {
    const f = readNpy(fixture('float32-2x3.npy'));
    expect(f.dims).toEqual([2, 3]);
    expect(Array.from(f.data as Float32Array)).toEqual(Array.from(Float32Array.of(0.5, -1.25, 3, 1e-3, 7, -0)));
    const i = readNpy(fixture('int64-4.npy'));
    expect(i.dims).toEqual([4]);
    expect(i.data).toEqual(BigInt64Array.of(3n, -2n, 2n ** 40n, 0n));
  });

  it('reads each dtype and format version', () => {
    expect(readNpy(npy('<f4', [2, 2], le(Float32Array.of(1, 2, 3, 4))))).toEqual({ dims: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    expect(readNpy(npy('<f8', [3], le(Float64Array.of(0.1, -2, 1e30)), { version: 2 }))).toEqual({ dims: [3], data: Float32Array.of(0.1, -2, 1e30) });
    expect(readNpy(npy('<i8', [1, 2], le(BigInt64Array.of(-5n, 9n)), { version: 3 }))).toEqual({ dims: [1, 2], data: BigInt64Array.of(-5n, 9n) });
    expect(readNpy(npy('<i4', [2], le(Int32Array.of(7, -7))))).toEqual({ dims: [2], data: Int32Array.of(7, -7) });
    expect(readNpy(npy('<f4', [], le(Float32Array.of(2.5))))).toEqual({ dims: [], data: Float32Array.of(2.5) });
  });

  it('refuses what it does not read, with one sentence', () => {
    expect(refused(new TextEncoder().encode('a,b,c\n1,2,3\n'))).toBe('The file is not a NumPy .npy file (save the array with numpy.save).');
    expect(refused(npy('<f4', [2], le(Float32Array.of(1, 2)), { fortran: true }))).toBe('The .npy array is in Fortran order; save numpy.ascontiguousarray(a) instead.');
    expect(refused(npy('>f4', [1], new Uint8Array(4)))).toMatch(/^The \.npy array is big-endian/);
    expect(refused(npy('<f2', [1], new Uint8Array(2)))).toBe("The .npy array has dtype <f2; the page reads float32, float64, int64 and int32 (save a.astype(numpy.float32)).");
    expect(refused(npy('|u1', [1], new Uint8Array(1)))).toMatch(/has dtype \|u1/);
    expect(refused(npy('<f4', [4], le(Float32Array.of(1, 2))))).toBe('The .npy file is truncated: its shape (4) needs 16 bytes of values, it holds 8.');
    expect(refused(fixture('float32-2x3.npy').subarray(0, 40))).toMatch(/truncated \(its header runs past its end\)/);
    const v9 = npy('<f4', [1], new Uint8Array(4));
    v9[6] = 9;
    expect(refused(v9)).toMatch(/format version 9/);
  });
});
