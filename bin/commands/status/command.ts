// crr status --config FILE [--rule R] [--json] [--watch] [--serve [HOST:]PORT]: the progress display, from
// Kafka alone (processors/status/read-status.ts). One report by default; --watch refreshes it (in place on
// a terminal, one report after another when piped); --serve answers /status, /metrics and / over HTTP.
import { setTimeout as sleep } from 'node:timers/promises';
import { throwawayConsumerOpener } from '../../../core/adapters/kafka/throwaway-group.ts';
import { brokerOffsets, endOffsets } from '../../../core/adapters/kafka/offsets.ts';
import { readerAt } from '../../../core/adapters/kafka/read-at.ts';
import { CrrError } from '../../../core/errors.ts';
import { startJobView, type JobView } from '../../../core/backfill-job-view.ts';
import { StatusReader, type BackfillJobStatus, type StatusReport } from '../../../processors/status/read-status.ts';
import { jobRow } from '../../../producers/backfill/job-rows.ts';
import { readRulesTopic } from '../live-rules.ts';
import { onShutdown, startRuntime } from '../shared.ts';
import { renderStatus } from './render.ts';
import { serveStatus } from './serve.ts';

export interface StatusOptions {
  config: string;
  rule?: string;
  json?: boolean;
  watch?: boolean;
  serve?: string;
  interval?: string;
}

export async function statusCommand(opts: StatusOptions): Promise<void> {
  const intervalMs = Number(opts.interval ?? 2000);
  if (!Number.isFinite(intervalMs) || intervalMs < 100) throw new CrrError(`--interval must be a number of milliseconds of at least 100, got ${opts.interval}`, { code: 'INVALID_CONFIG' });
  const rt = await startRuntime('status', opts.config, { serveMetrics: false, logTo: process.stderr });
  // The rules topic's rules and the file's, followed: a rule applied while --watch runs joins the report.
  const live = await readRulesTopic(rt);
  const rules = () => live.rules().map((r) => r.id).filter((id) => !opts.rule || id === opts.rule);
  if (opts.rule && rules().length === 0) {
    const known = live.rules().map((r) => r.id).join(', ');
    await live.stop();
    throw new CrrError(`--rule ${opts.rule}: no such rule in ${opts.config} or on the rules topic (rules: ${known})`, { code: 'INVALID_CONFIG' });
  }
  const offsets = brokerOffsets(rt.kafka);
  // The backfill jobs: one view of the backfill-jobs topic for the command's life, caught up before each report.
  let view: JobView | undefined;
  const jobsTopic = rt.config.topicNames.backfillJobs;
  const jobs = async (): Promise<BackfillJobStatus[]> => {
    view ??= await startJobView(throwawayConsumerOpener(rt.kafka), jobsTopic, `${rt.config.processing.groupId}-status`);
    await view.caughtUp(BigInt((await endOffsets(rt.kafka, jobsTopic)).get(0) ?? '0'));
    const now = Date.now();
    return [...view.jobs().values()].map((e) => jobRow(e.latest, now)).filter((j) => rules().includes(j.ruleId))
      .sort((a, b) => b.job.startedAt - a.job.startedAt)
      .map(({ job: _job, ruleId, ...row }) => ({ ...row, rule: ruleId }));
  };
  const closeAll = async () => {
    await live.stop();
    await view?.stop();
    await offsets.close();
  };
  const reader = new StatusReader({ offsets, readAt: readerAt(rt.kafka), topics: rt.config.topicNames, groupId: rt.config.processing.groupId, rules, jobs });
  const print = (r: StatusReport) => process.stdout.write(opts.json ? `${JSON.stringify(r, null, opts.watch ? undefined : 2)}\n` : `${renderStatus(r)}\n`);

  if (opts.serve) {
    const served = await serveStatus({ reader, metrics: rt.metrics, listen: opts.serve, intervalMs, logger: rt.logger });
    rt.logger.info({ url: served.url }, 'status served');
    process.stderr.write(`crr status: serving ${served.url} (/status, /metrics)\n`);
    onShutdown(rt.logger, async () => {
      await served.close();
      await closeAll();
    }, rt.config.shutdownGraceMs);
    return;
  }
  if (!opts.watch) {
    await reader.read(); // a first sample, so the one report can say how fast changes arrive
    await sleep(1000);
    print(await reader.read());
    await closeAll();
    return;
  }
  const inPlace = process.stdout.isTTY && !opts.json;
  let stopped = false;
  onShutdown(rt.logger, async () => {
    stopped = true;
    await closeAll();
  }, rt.config.shutdownGraceMs);
  while (!stopped) {
    const r = await reader.read();
    if (inPlace) process.stdout.write('\x1b[H\x1b[2J');
    print(r);
    await sleep(intervalMs);
  }
}
