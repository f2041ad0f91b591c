/** The ops onnxruntime-web's WebGPU provider runs on the GPU, read from the operator table shipped with the installed package. */
import { readFileSync } from 'node:fs';

const table = readFileSync('node_modules/onnxruntime-web/docs/webgpu-operators.md', 'utf8');
export const GPU_OPS = new Set(
  table
    .split('\n')
    .filter((l) => l.startsWith('| ') && /ai\.onnx\(/.test(l) && !/no GPU kernel/.test(l))
    .map((l) => l.split('|')[1]!.trim()),
);
/** Reshape (metadata only) and Identity (graph outputs, detached values) need no kernel. */
const ALLOWED_ON_CPU = new Set(['Reshape', 'Identity']);

/** The ops of `ops` that would run on the CPU under WebGPU. */
export const cpuOnly = (ops: Iterable<string>): string[] => [...new Set(ops)].filter((op) => !GPU_OPS.has(op) && !ALLOWED_ON_CPU.has(op));
