/**
 * A part of the page that only makes sense for a model built in the playground (its residual
 * stream, router, training, serving projection, …: they need the spec, not an ONNX file). While an
 * opened model is on screen it gives way to one line that says so; Close brings it back.
 */
import type { ReactNode } from 'react';
import { useApp } from '../useApp';
import './opened.css';

export function PlaygroundOnly({ what, children }: { what: string; children: ReactNode }) {
  const opened = useApp((s) => s.opened.a !== null);
  if (!opened) return <>{children}</>;
  return (
    <p className="playground-only" data-testid="playground-only" data-what={what}>
      {what}: for playground models (close the opened model to see it).
    </p>
  );
}
