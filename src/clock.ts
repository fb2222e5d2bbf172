/**
 * Wall-clock instants that never repeat or go backwards within the process, so that every
 * version gets its own meta.lastUpdated and history order follows write order.
 */
export function monotonicClock(): () => string {
  let last = 0;
  return () => {
    const now = Date.now();
    last = now > last ? now : last + 1;
    return new Date(last).toISOString();
  };
}
