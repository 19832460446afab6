// Small measuring tools the benchmarks share: a bounded worker pool, a steady-rate scheduler, percentiles,
// and a wait with a deadline (every benchmark stops by itself).
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight; resolves with the seconds taken. */
export async function pool(count: number, concurrency: number, task: (i: number) => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    while (next < count) await task(next++);
  }));
  return (performance.now() - t0) / 1000;
}

/** Starts `task(i)` every 1/rate seconds (not waiting for earlier ones), `count` times; resolves when all settle. */
export async function steady(count: number, perSecond: number, task: (i: number) => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  const running: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(task(i));
  }
  await Promise.all(running);
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export function summary(values: number[]): { count: number; p50_ms: number; p90_ms: number; p99_ms: number; max_ms: number; mean_ms: number } {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { count: s.length, p50_ms: r(percentile(s, 50)), p90_ms: r(percentile(s, 90)), p99_ms: r(percentile(s, 99)), max_ms: r(s[s.length - 1] ?? NaN),
    mean_ms: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)) };
}

/** Polls `done()` every `everyMs` until it is true or `timeoutMs` passes; returns whether it became true. */
export async function waitFor(done: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(everyMs);
  }
  return done();
}

export const round = (x: number, digits = 1) => Number(x.toFixed(digits));

/** CPU time (user + system) of a process in ms, from /proc (Linux; clock ticks assumed 100 Hz, the kernel default). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU ms spent by each named process between now and the returned function's call. */
export function cpuMeter(pids: Record<string, number>): () => Record<string, number> {
  const start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid)]));
  return () => Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMsOf(pid) - start[name]]));
}

/**
 * BENCH_CPU_PROFILE=file.cpuprofile: records a V8 CPU profile of this process for one phase only (open it in
 * Chrome DevTools). Returns the function that stops and writes it; a no-op when the variable is unset.
 * With `phase`, the file is named `<file>.<phase>.cpuprofile`, so one run can profile several phases apart.
 */
export async function profilePhase(phase?: string): Promise<() => Promise<void>> {
  const base = process.env.BENCH_CPU_PROFILE;
  if (!base) return async () => {};
  const file = phase ? `${base.replace(/\.cpuprofile$/, '')}.${phase}.cpuprofile` : base;
  const { Session } = await import('node:inspector/promises');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
