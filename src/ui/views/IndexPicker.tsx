/** A labelled select over 0 … count − 1 (layers, heads), each option named by `names` when given. */
export function IndexPicker(props: { label: string; count: number; value: number; onChange: (i: number) => void; testId: string; names?: readonly string[] }) {
  const { label, count, value, onChange, testId, names } = props;
  return (
    <label>
      {label.toLowerCase()}{' '}
      <select aria-label={label} data-testid={testId} value={Math.min(value, count - 1)} onChange={(e) => onChange(Number(e.target.value))}>
        {Array.from({ length: count }, (_, i) => (
          <option key={i} value={i}>{names?.[i] ?? i}</option>
        ))}
      </select>
    </label>
  );
}
