import { useEffect, useState } from 'react';

/** The current time, refreshed every `everyMs` (for ages such as "heartbeat 4 s ago"). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const h = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(h);
  }, [everyMs]);
  return now;
}
