/**
 * Whether this browser can run WebGPU: asked by the page before it starts the WebGPU worker
 * (src/state/host.ts) and by that worker's runtime before it creates a session (src/runtime/ort.ts).
 * Requesting an adapter loads nothing big.
 */
interface GpuNavigator {
  gpu?: { requestAdapter(): Promise<unknown> };
}

/** Why WebGPU cannot be used here, or null when there is an adapter. */
export async function webGpuUnavailable(): Promise<string | null> {
  const gpu = (globalThis.navigator as GpuNavigator | undefined)?.gpu;
  if (!gpu) return 'this browser has no WebGPU';
  try {
    return (await gpu.requestAdapter()) ? null : 'no WebGPU adapter is available';
  } catch (e) {
    return `requesting a WebGPU adapter failed: ${String(e)}`;
  }
}
