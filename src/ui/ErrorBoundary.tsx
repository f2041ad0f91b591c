/**
 * Keeps one failing part of the page from blanking the rest: it shows what broke, in place, and
 * tells the store, so the status line says a part failed instead of "ready".
 */
import { Component, type ErrorInfo, type ReactNode } from 'react';
import { useAppStore } from './useApp';

interface Props {
  /** What this part of the page is, for the message. */
  what: string;
  children: ReactNode;
}

type Report = (what: string, message: string | null) => void;

class Boundary extends Component<Props & { report: Report }, { error: Error | null }> {
  override state = { error: null as Error | null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error(`${this.props.what} failed`, error, info.componentStack);
    this.props.report(this.props.what, error.message);
  }

  override componentWillUnmount() {
    if (this.state.error) this.props.report(this.props.what, null);
  }

  private retry = () => {
    this.props.report(this.props.what, null);
    this.setState({ error: null });
  };

  override render() {
    if (!this.state.error) return this.props.children;
    return (
      <div className="panel notice" role="alert">
        The {this.props.what} could not be drawn: {this.state.error.message}{' '}
        <button type="button" onClick={this.retry}>
          Try again
        </button>
      </div>
    );
  }
}

export function ErrorBoundary({ what, children }: Props) {
  const store = useAppStore();
  return (
    <Boundary what={what} report={(w, m) => store.getState().setViewFailure(w, m)}>
      {children}
    </Boundary>
  );
}
