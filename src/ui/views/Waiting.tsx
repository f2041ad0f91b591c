/** What a view says before it has a result: what it needs when the text is empty, else that the result is on its way. */
import { selectInput } from '../../state/store';
import { useApp } from '../useApp';

export function WaitingHint() {
  const empty = useApp((s) => selectInput(s).ids.length === 0);
  return (
    <p className="hint" data-testid="view-waiting" data-needs={empty ? 'text' : ''}>
      {empty ? 'Needs text: type at least one character in the Text box above to see this view.' : 'Waiting for a result.'}
    </p>
  );
}
