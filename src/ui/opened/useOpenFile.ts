/**
 * Opening a file as the model of a slot, from a component: what it says while the file is read,
 * and the refusal's sentence until the person dismisses it (the top bar's *Open model…* and
 * compare's *Open a file as B…* share it).
 */
import { useCallback, useState } from 'react';
import { useAppStore } from '../useApp';
import { openFile, readingText, refusalText } from './openFile';

export function useOpenFile(slot: 'a' | 'b'): { open: (file: File) => void; reading: string | null; error: string | null; dismiss: () => void } {
  const store = useAppStore();
  const [reading, setReading] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const open = useCallback(
    (file: File) => {
      setError(null);
      setReading(readingText(file));
      openFile(store, slot, file).then(
        () => setReading(null),
        (e: unknown) => {
          setReading(null);
          setError(refusalText(e));
        },
      );
    },
    [store, slot],
  );
  return { open, reading, error, dismiss: useCallback(() => setError(null), []) };
}
