/**
 * Accelerator profiles for the serving projection: memory capacity, memory bandwidth and peak
 * DENSE matrix FLOP/s at 16-bit precision (BF16, or FP16 where noted), from the makers' public
 * specifications. Datasheets often print the figure "with sparsity" (2:4 structured sparsity,
 * twice the dense rate); the dense figure is used here, since the models are dense. Units are
 * decimal, as the datasheets write them: 1 GB = 1e9 bytes, 1 TB/s = 1e12 bytes/s, 1 TFLOP/s =
 * 1e12 FLOP/s. Each figure's source is named beside it (and in docs/decoding.md).
 *
 * These are peaks: no real kernel reaches them, so every latency projected from them is a lower
 * bound (a roofline), not a prediction.
 */

export interface AcceleratorProfile {
  id: string;
  name: string;
  /** Memory capacity in bytes. */
  memoryBytes: number;
  /** Peak memory bandwidth in bytes per second. */
  bandwidth: number;
  /** Peak dense matrix FLOP/s at `precision`. */
  peakFlops: number;
  /** The precision `peakFlops` is for. */
  precision: string;
  /** Where the numbers come from. */
  source: string;
}

const GB = 1e9;
const TB = 1e12;
const TFLOPS = 1e12;

export const PROFILES: readonly AcceleratorProfile[] = [
  {
    id: 'h100-sxm',
    name: 'NVIDIA H100 SXM',
    memoryBytes: 80 * GB, // NVIDIA H100 Tensor Core GPU datasheet: 80 GB HBM3
    bandwidth: 3.35 * TB, // same datasheet: 3.35 TB/s
    peakFlops: 989.4 * TFLOPS, // datasheet: BF16 Tensor Core 1,979 TFLOPS "with sparsity"; dense is half (Hopper whitepaper: 989.4)
    precision: 'BF16 dense',
    source: 'NVIDIA H100 Tensor Core GPU datasheet (SXM column); NVIDIA H100 (Hopper) architecture whitepaper',
  },
  {
    id: 'a100-80-sxm',
    name: 'NVIDIA A100 80GB SXM',
    memoryBytes: 80 * GB, // NVIDIA A100 datasheet: 80 GB HBM2e
    bandwidth: 2.039 * TB, // same datasheet: 2,039 GB/s (SXM)
    peakFlops: 312 * TFLOPS, // same datasheet: BF16 Tensor Core 312 TFLOPS (624 with sparsity)
    precision: 'BF16 dense',
    source: 'NVIDIA A100 Tensor Core GPU datasheet (80GB SXM column)',
  },
  {
    id: 'l4',
    name: 'NVIDIA L4',
    memoryBytes: 24 * GB, // NVIDIA L4 datasheet: 24 GB GDDR6
    bandwidth: 0.3 * TB, // same datasheet: 300 GB/s
    peakFlops: 121 * TFLOPS, // same datasheet: BF16 Tensor Core 242 TFLOPS "with sparsity"; dense is half
    precision: 'BF16 dense',
    source: 'NVIDIA L4 Tensor Core GPU datasheet',
  },
  {
    id: 'rtx-4090',
    name: 'NVIDIA GeForce RTX 4090',
    memoryBytes: 24 * GB, // NVIDIA Ada Lovelace architecture whitepaper, appendix table: 24 GB GDDR6X
    bandwidth: 1.008 * TB, // same table: 1,008 GB/s
    peakFlops: 165.2 * TFLOPS, // same table: peak BF16 Tensor TFLOPS with FP32 accumulate 165.2 (330.4 with sparsity)
    precision: 'BF16 dense, FP32 accumulate',
    source: 'NVIDIA Ada GPU architecture whitepaper, GeForce RTX 4090 specifications table',
  },
  {
    id: 'tpu-v5e',
    name: 'Google Cloud TPU v5e (one chip)',
    memoryBytes: 16 * GB, // Cloud TPU v5e documentation, system architecture: 16 GB HBM2
    bandwidth: 0.819 * TB, // same page: 819 GB/s
    peakFlops: 197 * TFLOPS, // same page: peak compute per chip (bf16) 197 TFLOPS (no sparsity figure is given)
    precision: 'BF16 dense',
    source: 'Google Cloud TPU documentation, "TPU v5e" system architecture (cloud.google.com/tpu/docs/v5e)',
  },
];

export const findProfile = (id: string): AcceleratorProfile | undefined => PROFILES.find((p) => p.id === id);

/** The precisions the projection stores weights and state in, and their bytes per number. */
export const PRECISIONS = {
  fp32: { bytes: 4, label: 'fp32 (as the browser runs)' },
  bf16: { bytes: 2, label: 'bf16 (as accelerators serve)' },
  fp16: { bytes: 2, label: 'fp16' },
} as const;
export type Precision = keyof typeof PRECISIONS;
