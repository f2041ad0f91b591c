/**
 * onnxruntime-web's default build (WebGPU through JSEP, and WASM; a 28 MB module): what the WebGPU
 * worker runs on. Only that worker imports it, so a page without WebGPU never downloads it.
 */
import * as ort from 'onnxruntime-web';
import type { OrtModule } from './ort';

export const webgpuBuild: OrtModule = ort;
