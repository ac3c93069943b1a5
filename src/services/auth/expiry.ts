// Runs something when a key expires. Timers cannot wait longer than about 24.8 days
// (2^31-1 ms; a longer delay fires at once), so a far expiry is reached in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Calls `onExpiry` at `expiresAt` (at once if it has passed); returns a cancel function. */
export function atExpiry(expiresAt: Date, onExpiry: () => void): () => void {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const wait = expiresAt.getTime() - Date.now();
    timer = setTimeout(wait > MAX_TIMER_MS ? arm : onExpiry, Math.max(0, Math.min(wait, MAX_TIMER_MS)));
    timer.unref();
  };
  arm();
  return () => clearTimeout(timer);
}
