// The handlers running now: one abort signal each, so a revoke or an expired drain can tell them to stop,
// and waiters for the moment none is left, or none of a partition's aborted ones.
import { setMaxListeners } from 'node:events';
import type { Work } from './key-scheduler.ts';

export class InFlight<T> {
  private readonly controllers = new Map<Work<T>, AbortController>();
  private idleWaiters: (() => void)[] = [];
  private stoppedWaiters: { partition: string; resolve: () => void }[] = [];

  get size(): number {
    return this.controllers.size;
  }

  /** Work told to stop that has not stopped yet. */
  get aborting(): number {
    let n = 0;
    for (const c of this.controllers.values()) if (c.signal.aborted) n++;
    return n;
  }

  /** A signal for work about to start. */
  begin(work: Work<T>): AbortSignal {
    const controller = new AbortController();
    // Every OSS request of the work listens to the signal (a versioned chain, parallel parts): no cap.
    setMaxListeners(0, controller.signal);
    this.controllers.set(work, controller);
    return controller.signal;
  }

  /** The work settled; returns whether it had been aborted (then it is not done, only given up). */
  end(work: Work<T>): boolean {
    const controller = this.controllers.get(work);
    this.controllers.delete(work);
    if (this.stoppedWaiters.length) {
      const still = this.stoppedWaiters.filter((w) => !this.stopped(w.partition));
      for (const w of this.stoppedWaiters) if (!still.includes(w)) w.resolve();
      this.stoppedWaiters = still;
    }
    if (this.controllers.size === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
    return controller?.signal.aborted ?? false;
  }

  /** Aborts the running work of one partition (all of it when `partition` is undefined); returns how many. */
  abort(reason: Error, partition?: string): number {
    let n = 0;
    for (const [work, controller] of this.controllers) {
      if (partition !== undefined && work.partition !== partition) continue;
      if (!controller.signal.aborted) n++;
      controller.abort(reason);
    }
    return n;
  }

  /** Resolves once no aborted work of `partition` runs any more (its handlers returned or threw). */
  whenStopped(partition: string): Promise<void> {
    if (this.stopped(partition)) return Promise.resolve();
    return new Promise((resolve) => this.stoppedWaiters.push({ partition, resolve }));
  }

  private stopped(partition: string): boolean {
    for (const [work, c] of this.controllers) if (work.partition === partition && c.signal.aborted) return false;
    return true;
  }

  /** Resolves true once nothing runs, or false after `timeoutMs`. */
  waitIdle(timeoutMs: number): Promise<boolean> {
    if (this.controllers.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
    });
  }
}
