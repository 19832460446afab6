// crr status --serve: /status (the report as JSON), /metrics (the bus-wide watermark and lag as gauges:
// crr_replicated_until_timestamp_seconds, crr_rule_lag_seconds, crr_consumer_lag_messages for every
// partition, crr_kafka_reachable) and / (the live page), refreshed from Kafka on a timer.
import { createServer } from 'node:http';
import { describeError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logging.ts';
import type { CrrMetrics } from '../../../core/metrics/metrics.ts';
import { splitHostPort } from '../../../core/metrics/serve.ts';
import type { StatusReader, StatusReport } from '../../../processors/status/read-status.ts';
import { statusPage } from './page.ts';

export interface ServeStatusOptions {
  reader: StatusReader;
  metrics: CrrMetrics;
  /** `:PORT`, `PORT` or `HOST:PORT` (default host 127.0.0.1). */
  listen: string;
  intervalMs: number;
  logger: Logger;
}

export function setStatusGauges(metrics: CrrMetrics, r: StatusReport): void {
  metrics.kafkaReachable.set(r.kafka.reachable ? 1 : 0);
  for (const p of r.changes.partitions) metrics.consumerLag.set({ topic: r.changes.topic, partition: String(p.partition) }, p.lagMessages);
  for (const x of r.rules) {
    if (x.replicatedUntilMs === null) {
      // Unknown is no claim at all, not an old claim kept.
      metrics.replicatedUntil.remove({ rule: x.rule });
      metrics.ruleLag.remove({ rule: x.rule });
      continue;
    }
    metrics.replicatedUntil.set({ rule: x.rule }, x.replicatedUntilMs / 1000);
    metrics.ruleLag.set({ rule: x.rule }, x.lagSeconds!);
  }
}

export async function serveStatus(o: ServeStatusOptions): Promise<{ url: string; close(): Promise<void> }> {
  if (!o.metrics.registry.getSingleMetric('crr_kafka_reachable')) o.metrics.registry.registerMetric(o.metrics.kafkaReachable);
  let report = await o.reader.read();
  setStatusGauges(o.metrics, report);
  let refreshing = false;
  const timer = setInterval(() => {
    if (refreshing) return;
    refreshing = true;
    o.reader.read().then((r) => {
      report = r;
      setStatusGauges(o.metrics, r);
    }, (err: unknown) => o.logger.warn({ err: describeError(err) }, 'status refresh failed')).finally(() => (refreshing = false));
  }, o.intervalMs);
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET', 'content-type': 'text/plain' }).end('only GET\n');
    } else if (path === '/status') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(report)}\n`);
    } else if (path === '/metrics') {
      o.metrics.registry.metrics().then((text) => res.writeHead(200, { 'content-type': o.metrics.registry.contentType }).end(text),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(err.message));
    } else if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(statusPage(report, Math.min(o.intervalMs, 5000)));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /, /status or /metrics\n');
    }
  });
  const listen = o.listen.includes(':') ? o.listen : `:${o.listen}`;
  const [host, port] = splitHostPort(listen);
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host || '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    url: `http://${host || '127.0.0.1'}:${actual}/`,
    close: () => new Promise<void>((resolve) => {
      clearInterval(timer);
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
