// Atomic JSON files (write a temp file, then rename) and a per-path queue so writes land in commit order.
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, JSON.stringify(value));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true });
    await writeFile(tmp, JSON.stringify(value));
  }
  await rename(tmp, path);
}

/** Serialises writes per path; each write stores the state current when it runs, so the last one wins. */
export class PathQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(path: string, job: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(path) ?? Promise.resolve();
    const next = prev.then(job, job);
    this.tails.set(path, next);
    void next.finally(() => {
      if (this.tails.get(path) === next) this.tails.delete(path);
    }).catch(() => undefined);
    return next;
  }

  async idle(): Promise<void> {
    while (this.tails.size) await Promise.allSettled([...this.tails.values()]);
  }
}

export function storeJson(queue: PathQueue, path: string, snapshot: () => unknown | undefined): Promise<void> {
  return queue.run(path, async () => {
    const value = snapshot();
    if (value === undefined) await rm(path, { force: true });
    else await writeJsonAtomic(path, value);
  });
}
