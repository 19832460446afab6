// Times as OSS keeps them: whole seconds. Real OSS reports Last-Modified, listing times, upload and part
// times, bucket creation and event times at one-second resolution (`2026-12-01T08:37:29.000Z`), so the
// local server stores every such time already truncated: what a client reads anywhere is what is stored.

/** `ms` truncated to its second. */
export function wholeSeconds(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

/** Now, at OSS's resolution. */
export function ossNow(): number {
  return wholeSeconds(Date.now());
}
