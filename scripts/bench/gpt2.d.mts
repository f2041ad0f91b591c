/** Types of gpt2.mjs for the TypeScript files that import it. */
import type { Browser } from '@playwright/test';

export const T: number;
export const RUNS: number;
export const TARGET_RATIO: number;
export function benchText(n?: number): string;
export function benchTokens(n?: number): number[];

/** Warm-run times: the fastest, the median, and every sample (ms). */
export interface RunTimes {
  minMs: number;
  medianMs: number;
  samplesMs: number[];
}
export interface Quiet {
  busy: number | null;
  waitedMs: number;
  loadavg: number[];
}
export interface NodePass extends RunTimes {
  runtime: string;
  threads: number;
  input: string;
  outputs: string[];
  loadMs: number;
  logitsHead: number[];
  quietBefore?: Quiet;
  busyAfter?: number | null;
}
export interface PagePass {
  label: string;
  minMs: number;
  medianMs: number;
  wallMs: number;
  points: { T: number; ms: number; medianMs?: number }[];
  quietBefore?: Quiet;
  busyAfter?: number | null;
}
export interface Gpt2Result {
  date: string;
  machine: { cpus: number; model: string; browser: string; node: string };
  preset: 'gpt2-small';
  mode: 'fast';
  T: number;
  threads: number;
  runs: number;
  passes: number;
  statistic: string;
  pageMs: number;
  nodeMs: number;
  ratio: number;
  pageMedianMs: number;
  nodeMedianMs: number;
  ratioMedian: number;
  passRatios: number[];
  target: number;
  met: boolean;
  fileBytes: number;
  params: number;
  flops: number;
  page: {
    backend: Record<string, string>;
    threads: number;
    crossOriginIsolated: boolean;
    choose: Record<string, number>;
    analysis: Record<string, number | string>;
    inspectMedianMs: number;
    stats: { params: number; flops: number; peakBytes: number; over: boolean };
    fileName: string;
    errors: string[];
    passes: PagePass[];
  };
  node: { runtime: string; threads: number; passes: NodePass[] };
  webInNode: (RunTimes & { runtime: string; threads: number; loadMs: number; logitsHead: number[]; quietBefore?: Quiet }) | { error: string } | null;
}

export function cpuBusy(ms?: number): Promise<number | null>;
export function waitForQuiet(options?: { threshold?: number; maxMs?: number }): Promise<Quiet>;
export function timeNode(bytes: Uint8Array, tokens: number[], threads: number, runs?: number): Promise<NodePass>;
export function timeWebInNode(bytes: Uint8Array, tokens: number[], threads: number, runs?: number): Promise<Gpt2Result['webInNode']>;
export function gpt2Ratio(
  browser: Browser,
  port: number,
  options?: { webInNode?: boolean; saveFileTo?: string | null; passes?: number; quietMs?: number; log?: (message: string) => void },
): Promise<Gpt2Result>;
export function gpt2TableRow(result: Gpt2Result): string;
export function gpt2Markdown(results: Gpt2Result | Gpt2Result[]): string;
export function spliceGpt2Section(doc: string, body: string): string;
