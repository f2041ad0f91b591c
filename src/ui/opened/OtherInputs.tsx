/**
 * How the inputs of an opened model that are not text are fed (images, audio features, …): zeros
 * of a shape whose dynamic dims the person sets (defaults from src/opened/inputs.ts), or values
 * from a file: a NumPy .npy array, or an image for a 4-D float input (imageFeed.ts).
 */
import { useRef, useState } from 'react';
import { defaultDims } from '../../opened/inputs';
import { readNpy } from '../../opened/npy';
import type { OpenedInput, OtherFeed } from '../../opened/types';
import type { OpenedModelState } from '../../state/opened';
import { useApp } from '../useApp';
import { IMAGE_SCALING, imageFeed, takesImage } from './imageFeed';
import { refusalText } from './openFile';

function OtherInput({ slot, input, others }: { slot: 'a' | 'b'; input: OpenedInput; others: Record<string, OtherFeed> }) {
  const setFeed = useApp((s) => s.setOpenedFeed);
  const feed = others[input.name];
  const [error, setError] = useState<string | null>(null);
  const [fileName, setFileName] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const dims = feed?.dims ?? defaultDims(input);
  const set = (f: OtherFeed) => setFeed(slot, { others: { ...others, [input.name]: f } });
  const image = takesImage(input);

  const fromFile = async (file: File) => {
    setError(null);
    try {
      const isNpy = file.name.toLowerCase().endsWith('.npy');
      const f: OtherFeed = isNpy ? { kind: 'data', ...readNpy(new Uint8Array(await file.arrayBuffer())) } : await imageFeed(input, file);
      if (f.dims.length !== input.dims.length || input.dims.some((d, i) => typeof d === 'number' && d !== f.dims[i])) {
        throw new Error(`${file.name} is [${f.dims.join(', ')}]; the input ${input.name} is [${input.dims.join(', ')}]`);
      }
      setFileName(file.name);
      set(f);
    } catch (e) {
      setError(refusalText(e));
    }
  };

  return (
    <div className="opened-feed" data-testid={`opened-other-${input.name}`} data-kind={feed?.kind ?? 'zeros'} data-dims={dims.join(',')}>
      <strong>{input.name}</strong>
      {feed?.kind === 'data' ? (
        <>
          <span>
            from {fileName ?? 'a file'}: [{dims.join(', ')}]
          </span>
          <button type="button" className="small-button" onClick={() => set({ kind: 'zeros', dims: defaultDims(input) })}>
            zeros instead
          </button>
        </>
      ) : (
        <span>
          zeros [
          {dims.map((d, i) =>
            typeof input.dims[i] === 'number' ? (
              <span key={i}>
                {i ? ', ' : ''}
                {d}
              </span>
            ) : (
              <span key={i}>
                {i ? ', ' : ''}
                <input
                  type="number"
                  min={1}
                  max={4096}
                  value={d}
                  aria-label={`${input.name} dimension ${i} (${input.dims[i]})`}
                  data-testid={`opened-dim-${input.name}-${i}`}
                  onChange={(e) => {
                    const v = Math.round(Number(e.target.value));
                    if (Number.isFinite(v) && v >= 1 && v <= 4096) set({ kind: 'zeros', dims: dims.map((x, j) => (j === i ? v : x)) });
                  }}
                />
              </span>
            ),
          )}
          ]
        </span>
      )}
      <button type="button" className="small-button" onClick={() => fileRef.current?.click()}>
        from a file ({image ? '.npy or an image' : '.npy'})…
      </button>
      <input
        ref={fileRef}
        type="file"
        hidden
        accept={image ? '.npy,image/*' : '.npy'}
        data-testid={`opened-file-${input.name}`}
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) void fromFile(file);
        }}
      />
      {image ? <span className="hint">an image: {IMAGE_SCALING}.</span> : null}
      {error ? <span className="field-error" role="alert">{error}</span> : null}
    </div>
  );
}

/** The non-text inputs of the opened model of `slot`, each with how it is fed. */
export function OtherInputs({ slot, model }: { slot: 'a' | 'b'; model: OpenedModelState }) {
  const others = model.info.inputs.filter((i) => i.role === 'other');
  if (others.length === 0) return null;
  return (
    <div data-testid="opened-others">
      {others.map((input) => (
        <OtherInput key={input.name} slot={slot} input={input} others={model.others} />
      ))}
    </div>
  );
}
