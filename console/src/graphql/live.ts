import { useEffect } from 'react';

/** Calls `refresh` every `ms` while `active` (a run still moving), and once more when the tab is shown again. */
export function useLiveRefresh(refresh: () => void, active: boolean, ms = 2000): void {
  useEffect(() => {
    if (!active) return;
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, ms);
    return () => window.clearInterval(timer);
  }, [refresh, active, ms]);
}
