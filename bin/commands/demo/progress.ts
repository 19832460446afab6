// The demo's live progress line: workload operations, changes published, reconciles by kind, consumer
// lag and elapsed time, redrawn in place twice a second.
import type { CrrMetrics } from '../../../core/metrics/metrics.ts';
import type { Processing } from '../../../processors/start-processing.ts';

async function counterTotal(metrics: CrrMetrics, name: 'reconciles' | 'eventsPublished', filter: (labels: Record<string, unknown>) => boolean = () => true): Promise<number> {
  const data = await metrics[name].get();
  return data.values.filter((v) => filter(v.labels)).reduce((n, v) => n + v.value, 0);
}

export interface Progress {
  /** The workload's operations done, of its total. */
  workload: { done: number; total: number };
  /** The current line, without the leading indent. */
  line(): Promise<string>;
  /** Stops redrawing and writes the final line. */
  stop(): Promise<void>;
}

export function showProgress(metrics: CrrMetrics, processing: Processing, write: (text: string) => void): Progress {
  const started = Date.now();
  const workload = { done: 0, total: 0 };
  const line = async () => {
    const published = await counterTotal(metrics, 'eventsPublished');
    const copied = await counterTotal(metrics, 'reconciles', (l) => l.op === 'copy');
    const deleted = await counterTotal(metrics, 'reconciles', (l) => l.op === 'delete');
    const updated = await counterTotal(metrics, 'reconciles', (l) => l.op === 'update_attributes');
    const skipped = await counterTotal(metrics, 'reconciles', (l) => l.op === 'skip');
    const failed = await counterTotal(metrics, 'reconciles', (l) => l.result !== 'ok');
    const lag = Object.values(processing.runner.stats().lag).reduce((a, b) => a + b, 0);
    return `workload ${workload.done}/${workload.total || '?'} ops | changes published ${published} | reconciled: ${copied} copies, ${deleted} deletes, ` +
      `${updated} updates, ${skipped} in sync, ${failed} failed | lag ${lag} msgs | ${((Date.now() - started) / 1000).toFixed(1)} s`;
  };
  const ticker = setInterval(() => void line().then((s) => write(`\r  ${s}   `)), 500);
  return {
    workload,
    line,
    async stop() {
      clearInterval(ticker);
      write(`\r  ${await line()}\n`);
    },
  };
}
