import { useEffect, useState } from 'react';

/**
 * `load()` now and every `intervalMs` while the component is shown; the latest value, and the latest error (cleared
 * by the next success). Answers arriving after the component is gone are dropped.
 */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number): { value: T | undefined; error?: string } {
  const [state, setState] = useState<{ value: T | undefined; error?: string }>({ value: undefined });
  useEffect(() => {
    let stop = false;
    const refresh = () =>
      load().then(
        (value) => !stop && setState({ value }),
        (e: unknown) =>
          !stop && setState((s) => ({ value: s.value, error: e instanceof Error ? e.message : String(e) })),
      );
    void refresh();
    const timer = setInterval(() => void refresh(), intervalMs);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [load, intervalMs]);
  return state;
}
