/**
 * Opening an .onnx file the person picked or dropped (docs/using.md, "Open your own model"): a file
 * over the size limit is refused from its `size` alone, before a byte of it is read into memory;
 * otherwise its bytes go to the store's `openModel`, which checks them in the worker and changes
 * nothing when it refuses. Either way the caller gets one sentence to show.
 */
import type { AppStore } from '../../state/store';
import { formatBytes } from '../../spec/units';

/** What reading a file says while it lasts ("Reading model.onnx (12 MB)…"). */
export const readingText = (file: Pick<File, 'name' | 'size'>): string => `Reading ${file.name} (${formatBytes(file.size)})…`;

/** The message of anything thrown, as one sentence. */
export function refusalText(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return /[.!?]$/.test(m) ? m : `${m}.`;
}

/** Opens `file` as the model of `slot`; rejects with the refusal's sentence (nothing changed then). */
export async function openFile(store: AppStore, slot: 'a' | 'b', file: File): Promise<void> {
  // read.ts (and the ONNX decoder it brings) loads on first use, not with the page.
  const { checkSize } = await import('../../opened/read');
  checkSize(file.size, file.name); // before reading: a 2 GB file never enters memory
  const bytes = new Uint8Array(await file.arrayBuffer());
  await store.getState().openModel(slot, { name: file.name, bytes });
}

/** Whether a drag carries files (a drag of text or a link does not open anything). */
export const carriesFiles = (e: { dataTransfer: DataTransfer | null }): boolean => Array.from(e.dataTransfer?.types ?? []).includes('Files');
