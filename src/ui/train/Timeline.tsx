/**
 * The timeline: a scrubber over model A's snapshots. Dragging it shows the model as it was at that
 * step in the attention map, head grid and entropy view (timelineView.ts), with a cursor on the
 * charts; Now returns them to the current weights; Play steps through the snapshots from the first
 * (or from where the scrubber is) so the maps are seen forming.
 */
import { useEffect, useState } from 'react';
import { timelineSnapshot } from '../../state/training';
import { useApp } from '../useApp';
import './charts.css';

/** Time each snapshot stays on screen while playing. */
const FRAME_MS = 250;

export function Timeline() {
  const snapshots = useApp((s) => s.training.runs.a?.snapshots);
  const shown = useApp((s) => timelineSnapshot(s));
  const setTimeline = useApp((s) => s.trainingActions.setTimeline);
  const [playing, setPlaying] = useState(false);
  const count = snapshots?.length ?? 0;
  const index = shown && snapshots ? snapshots.indexOf(shown) : count - 1;

  // Playback: one snapshot a frame until the last, which stays on screen.
  useEffect(() => {
    if (!playing || !snapshots) return;
    const timer = setInterval(() => {
      const at = index + 1;
      if (at >= snapshots.length) return setPlaying(false);
      setTimeline(snapshots[at]!.step);
    }, FRAME_MS);
    return () => clearInterval(timer);
  }, [playing, snapshots, index, setTimeline]);

  if (count === 0) return null;
  const step = shown?.step ?? null;
  const play = () => {
    if (!shown || index >= count - 1) setTimeline(snapshots![0]!.step); // from the start
    setPlaying(true);
  };
  return (
    <div className="timeline" role="group" aria-label="Timeline of training" data-testid="timeline-panel" data-step={step ?? 'now'} data-snapshots={count}>
      <label htmlFor="train-timeline">Timeline</label>
      <input
        id="train-timeline"
        type="range"
        min={0}
        max={count - 1}
        step={1}
        value={Math.max(0, index)}
        data-testid="timeline"
        data-step={step ?? 'now'}
        aria-valuetext={step === null ? 'now: the current weights' : `step ${step}`}
        onChange={(e) => {
          setPlaying(false);
          setTimeline(snapshots![Number(e.target.value)]!.step);
        }}
      />
      <span className="timeline-step" data-testid="timeline-step" aria-live="polite">
        {step === null ? 'now' : `step ${step} of ${snapshots!.at(-1)!.step}`}
      </span>
      <button type="button" data-testid="timeline-play" onClick={() => (playing ? setPlaying(false) : play())} disabled={count < 2} aria-pressed={playing}>
        {playing ? 'Pause' : 'Play'}
      </button>
      <button
        type="button"
        data-testid="timeline-now"
        onClick={() => {
          setPlaying(false);
          setTimeline(null);
        }}
        disabled={step === null}
      >
        Now
      </button>
      <p className="hint">
        {count} snapshot{count === 1 ? '' : 's'} of the probe example (the task's first held-out example). Move the timeline and the attention map, heads and entropy show the model as it was at that
        step; Now shows the current weights again.
      </p>
    </div>
  );
}
