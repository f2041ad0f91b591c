/**
 * The banner under the top bar: a link that could not be opened (an error, announced at once) or
 * something the person should know about their work (info). It stays until dismissed.
 */
import { useApp } from './useApp';

export function Banner() {
  const banner = useApp((s) => s.banner);
  const dismiss = useApp((s) => s.dismissBanner);
  if (!banner) return null;
  return (
    <div className={`banner banner-${banner.tone}`} role={banner.tone === 'error' ? 'alert' : 'status'} data-testid="banner" data-tone={banner.tone}>
      <p>{banner.text}</p>
      <button type="button" onClick={dismiss} aria-label="Dismiss this message" data-testid="banner-dismiss">
        Dismiss
      </button>
    </div>
  );
}
