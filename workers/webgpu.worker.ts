/** The WebGPU worker: started on demand, when the browser has a WebGPU adapter and WebGPU is wanted. */
import '../src/spec/noEval';
import { webgpuBuild } from '../src/runtime/webgpuBuild';
import { serve } from './serve';

serve(webgpuBuild, 'webgpu');
