/**
 * Reading a NumPy .npy file (format versions 1, 2 and 3, numpy.lib.format): the magic \x93NUMPY,
 * the version, the header's length (2 bytes little-endian in v1, 4 in v2/v3), a Python dict
 * literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded with spaces, then
 * the values. The page feeds them to an opened model's non-text inputs, so it reads what those
 * take: little-endian, C-order float32, float64 (narrowed to float32), int64 and int32.
 */
import { OpenError } from './types';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DTYPES: Record<string, number> = { f4: 4, f8: 8, i8: 8, i4: 4 };

export function readNpy(bytes: Uint8Array): { dims: number[]; data: Float32Array | BigInt64Array | Int32Array } {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) throw new OpenError('The file is not a NumPy .npy file (save the array with numpy.save).');
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new OpenError(`The .npy file has format version ${major}, which the page does not read (numpy.save writes 1 to 3).`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : bytes.length >= 12 ? view.getUint32(8, true) : Infinity;
  const start = major === 1 ? 10 : 12;
  if (start + headerLen > bytes.length) throw new OpenError('The .npy file is truncated (its header runs past its end).');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined) throw new OpenError('The .npy file has a header the page cannot read (save the array with numpy.save).');
  if (fortran === 'True') throw new OpenError('The .npy array is in Fortran order; save numpy.ascontiguousarray(a) instead.');
  const order = descr[0];
  const kind = descr.slice(1);
  if (order === '>') throw new OpenError('The .npy array is big-endian; save a.astype(a.dtype.newbyteorder("<")) instead.');
  if ((order !== '<' && order !== '=') || !(kind in DTYPES)) throw new OpenError(`The .npy array has dtype ${descr}; the page reads float32, float64, int64 and int32 (save a.astype(numpy.float32)).`);
  const dims = shape.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (dims.some((d) => !Number.isInteger(d) || d < 0)) throw new OpenError(`The .npy file has the shape (${shape}), which is not a list of sizes.`);
  const n = dims.reduce((a, b) => a * b, 1);
  const size = DTYPES[kind]!;
  const offset = start + headerLen;
  if (offset + n * size > bytes.length) throw new OpenError(`The .npy file is truncated: its shape (${dims.join(', ')}) needs ${n * size} bytes of values, it holds ${bytes.length - offset}.`);
  const at = (i: number): number => offset + i * size;
  switch (kind) {
    case 'f4': return { dims, data: Float32Array.from({ length: n }, (_, i) => view.getFloat32(at(i), true)) };
    case 'f8': return { dims, data: Float32Array.from({ length: n }, (_, i) => view.getFloat64(at(i), true)) };
    case 'i8': return { dims, data: BigInt64Array.from({ length: n }, (_, i) => view.getBigInt64(at(i), true)) };
    default: return { dims, data: Int32Array.from({ length: n }, (_, i) => view.getInt32(at(i), true)) };
  }
}
