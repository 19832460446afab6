// A `crr` command as a child process (node bin/crr.js …): its output is kept for ready checks and
// failure messages (and appended to a log file when one is named); stop() asks with SIGTERM first.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root.ts';

export interface CrrChild {
  child: ChildProcess;
  /** Everything the process wrote so far (log lines and stderr). */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (a clean stop), then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnCrr(args: string[], o: { env: NodeJS.ProcessEnv; logFile?: string }): CrrChild {
  const child = spawn(process.execPath, [join(projectRoot, 'bin/crr.js'), ...args], { cwd: projectRoot, env: o.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const log = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : undefined;
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      log?.write(d);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => {
    log?.end();
    resolve({ code, signal });
  }));
  return {
    child,
    output: () => text,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}
