// Progress of a long command (crr verify, crr backfill) on stderr: a bar redrawn in place on a terminal,
// plain lines every few seconds when stderr is a pipe or a file (a CI log reads line by line, without
// carriage returns). stdout stays free for --json. Without a known total it shows the count and the rate.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressBarOptions {
  label: string;
  /** What is counted, after the count (`keys`, `objects`). */
  unit?: string;
  total?: number;
  stream?: ProgressStream;
  /** Redraws on a terminal at most this often. */
  redrawMs?: number;
  /** Prints a plain line at most this often when not on a terminal. */
  lineEveryMs?: number;
  now?: () => number;
}

export interface ProgressBar {
  /** The count so far (not an increment), with an optional note (e.g. `3 differences`). */
  update(done: number, note?: string): void;
  setTotal(total: number): void;
  /** Draws the last state and ends the line. */
  finish(note?: string): void;
}

/** `[########------------] 40%`: the bar alone, `width` cells inside the brackets. */
export function renderBar(done: number, total: number, width: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const full = Math.round(ratio * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(Math.floor(ratio * 100)).padStart(3)}%`;
}

export function progressBar(o: ProgressBarOptions): ProgressBar {
  const stream = o.stream ?? process.stderr;
  const now = o.now ?? Date.now;
  const tty = Boolean(stream.isTTY);
  const unit = o.unit ?? 'items';
  const started = now();
  let total = o.total;
  let done = 0;
  let note = '';
  let drawnAt = -Infinity;
  let finished = false;

  const text = () => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    const rate = `${(done / seconds).toFixed(done / seconds >= 100 ? 0 : 1)}/s`;
    const count = total === undefined ? `${done} ${unit}` : `${done}/${total} ${unit}`;
    const bar = total === undefined || !tty ? '' : ` ${renderBar(done, total, 24)}`;
    const percent = total !== undefined && !tty && total > 0 ? ` ${Math.floor((Math.min(done, total) / total) * 100)}%` : '';
    return `${o.label}${bar}${percent} ${count} ${rate} ${seconds.toFixed(1)} s${note ? ` | ${note}` : ''}`;
  };
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - drawnAt < (tty ? o.redrawMs ?? 100 : o.lineEveryMs ?? 5000)) return;
    drawnAt = t;
    if (tty) {
      // Back to the line's start, then erase what a longer previous line left (ESC [ K).
      stream.write(`\r${text()}\x1b[K`);
    } else {
      stream.write(`${text()}\n`);
    }
  };
  return {
    update(n, why) {
      if (finished) return;
      done = n;
      if (why !== undefined) note = why;
      draw(false);
    },
    setTotal(n) {
      total = n;
    },
    finish(why) {
      if (finished) return;
      finished = true;
      if (why !== undefined) note = why;
      draw(true);
      if (tty) stream.write('\n');
    },
  };
}
