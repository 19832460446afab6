// The notification receiver: an HTTP endpoint for OSS EventBridge events. A request is answered 2xx
// only after Kafka acknowledged every change it carried; a bad request is refused whole (4xx, with a
// reason) and publishes nothing. Only Kafka being unavailable is a 503, so a notifier retries just that.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { CrrError, describeError } from '../../core/errors.ts';
import type { CrrMetrics } from '../../core/metrics/metrics.ts';
import type { Logger } from '../../core/logging.ts';
import { changeRecord } from '../../schemas/records.ts';
import { buildChanges } from '../change-builder.ts';
import type { CoalescingPublisher } from '../../core/coalescing-publisher.ts';
import type { RuleIndex, RuleScope } from '../../core/rule-index.ts';
import { parseEventBody, shortRegion } from './parse-event.ts';

export interface ReceiverOptions {
  host: string;
  port: number;
  path: string;
  token: string;
  maxBodyBytes: number;
  rules: RuleIndex<RuleScope>;
  replicatorPrincipals: ReadonlySet<string>;
  publisher: CoalescingPublisher;
  /** Each rule source bucket's region (any spelling, `oss-` or not): an event from another region is refused. */
  sourceRegions?: ReadonlyMap<string, string>;
  metrics: CrrMetrics;
  logger: Logger;
  now?: () => number;
}

export interface Receiver { url: string; port: number; stop(): Promise<void> }

class Refusal extends Error {
  constructor(readonly status: number, readonly reason: string, message: string) {
    super(message);
  }
}

function tokenMatches(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : String(req.headers['x-crr-token'] ?? '');
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new Refusal(413, 'too_large', `body of ${declared} bytes is over the ${limit}-byte limit`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Refusal(413, 'too_large', `body is over the ${limit}-byte limit`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, body: Record<string, unknown>): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export async function startReceiver(opts: ReceiverOptions): Promise<Receiver> {
  const now = opts.now ?? Date.now;
  const { metrics, logger } = opts;
  let inFlight = 0;
  let idle: (() => void) | null = null;

  async function handle(req: IncomingMessage, gone: AbortSignal): Promise<[number, Record<string, unknown>]> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    if (url.pathname !== opts.path) throw new Refusal(404, 'not_found', `no such path ${url.pathname}; events go to ${opts.path}`);
    if (req.method !== 'POST') throw new Refusal(405, 'method', `use POST, not ${req.method}`);
    if (!tokenMatches(req, opts.token)) throw new Refusal(401, 'unauthorized', 'missing or wrong token');
    const raw = await readBody(req, opts.maxBodyBytes);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new Refusal(400, 'malformed_json', `malformed JSON: ${(err as Error).message}`);
    }
    let events;
    try {
      events = parseEventBody(body);
    } catch (err) {
      if (err instanceof CrrError) throw new Refusal(400, 'malformed_event', err.message);
      throw err;
    }
    const unknown = events.find((e) => !opts.rules.knowsBucket(e.bucket));
    if (unknown) throw new Refusal(422, 'unknown_bucket', `bucket "${unknown.bucket}" is not the source of any rule`);
    const misplaced = events.find((e) => {
      const expected = opts.sourceRegions?.get(e.bucket);
      return e.region !== '' && expected !== undefined && shortRegion(e.region) !== shortRegion(expected);
    });
    if (misplaced) {
      const expected = shortRegion(opts.sourceRegions?.get(misplaced.bucket) ?? '');
      throw new Refusal(422, 'wrong_region', `bucket "${misplaced.bucket}" is in ${expected}, not in ${shortRegion(misplaced.region)}`);
    }
    // Counted once accepted: a refused request is counted as rejected, and its retries are not counted twice.
    metrics.eventsReceived.inc({ source: 'notification' }, events.length);

    const built = buildChanges(events, opts.rules, { replicatorPrincipals: opts.replicatorPrincipals, captureSource: 'NOTIFICATION', now: now() });
    for (const ruleIds of built.echoes) for (const rule of ruleIds) metrics.echoesDropped.inc({ rule });
    if (built.unmatched) metrics.eventsUnmatched.inc(built.unmatched);
    let records;
    try {
      records = built.changes.map(changeRecord);
    } catch (err) {
      // parseEvent admits only what encodes; should the two ever disagree, the event is still bad input, not a 500.
      if (err instanceof CrrError && err.code === 'INVALID_RECORD') throw new Refusal(400, 'malformed_event', err.message);
      throw err;
    }
    try {
      // A requester that closed its connection (a notifier's timeout) sends these events again.
      await opts.publisher.publish(records, gone);
    } catch (err) {
      if (gone.aborted) throw new Refusal(503, 'requester_gone', 'the requester closed the connection before Kafka acknowledged the changes');
      logger.error({ err: describeError(err), events: events.length }, 'publishing to Kafka failed; the notifier will retry');
      throw new Refusal(503, 'kafka_unavailable', `Kafka did not acknowledge the changes: ${describeError(err).message}`);
    }
    const acked = now();
    for (const c of built.changes) {
      for (const rule of c.ruleIds) {
        metrics.eventsPublished.inc({ rule });
        metrics.captureDelay.observe({ rule }, Math.max(0, acked - c.eventTime) / 1000);
      }
    }
    return [200, { received: events.length, published: records.length, echoes: built.echoes.length, unmatched: built.unmatched }];
  }

  const server: Server = createServer((req, res) => {
    inFlight++;
    const gone = new AbortController();
    res.once('close', () => { if (!res.writableFinished) gone.abort(); });
    handle(req, gone.signal)
      .then(([status, body]) => reply(res, status, body))
      .catch((err) => {
        if (err instanceof Refusal) {
          metrics.eventsRejected.inc({ reason: err.reason });
          // A body refused unread (413) is not drained: the connection goes, so its remaining bytes are not read as a request.
          if (err.status === 413) res.setHeader('connection', 'close');
          reply(res, err.status, { error: err.reason, message: err.message });
        } else {
          logger.error({ err: describeError(err) }, 'receiver failed on a request');
          reply(res, 500, { error: 'internal', message: describeError(err).message });
        }
      })
      .finally(() => {
        if (--inFlight === 0 && idle) idle();
      });
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(opts.port, opts.host, resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    url: `http://${opts.host}:${port}${opts.path}`,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
      await opts.publisher.flush();
      server.closeAllConnections();
      await closed;
    },
  };
}
