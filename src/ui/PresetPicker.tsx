/** The presets menu of the top bar: load a model from the catalog of presets, each with its paper. */
import { PRESETS } from '../presets';
import { useApp } from './useApp';

export function PresetPicker() {
  const presetId = useApp((s) => s.presetId);
  const loadPreset = useApp((s) => s.loadPreset);
  return (
    <label className="preset-picker">
      preset{' '}
      <select aria-label="Preset" data-testid="preset-select" value={presetId ?? ''} onChange={(e) => loadPreset(e.target.value)}>
        {presetId === null ? <option value="">edited model</option> : null}
        {PRESETS.map((p) => (
          <option key={p.id} value={p.id} title={`${p.description} ${p.citation}`}>
            {p.title}
          </option>
        ))}
      </select>
    </label>
  );
}
