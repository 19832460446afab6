// Serves a registry at GET /metrics (Prometheus text format), with the probes beside it: GET /healthz (the
// process is alive and its event loop turns on time) and GET /readyz (the process's own readiness check:
// for a processor, connected to Kafka, assigned partitions and not stalled; 503 with the reasons otherwise).
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface Readiness {
  ready: boolean;
  /** Why not, one line each; empty when ready. */
  reasons: string[];
}

export interface ProbeOptions {
  /** /healthz fails while the event loop was late by more than this within the last 2 s (default 5000). */
  loopStallMs?: number;
}

export interface MetricsEndpoint {
  server: Server;
  url: string;
  /** What /readyz answers from now on (until then: not ready, "starting"). */
  setReadiness(check: () => Readiness): void;
  /** /readyz fails from now on ("stopping"), so no new work is routed here while it drains. */
  stopping(): void;
  close(): Promise<void>;
}

const TICK_MS = 100;
const WINDOW_MS = 2000;

/** How late the event loop ran a 100 ms timer, at worst, over the last 2 s. */
function loopDelayMonitor(): { worstMs(): number; stop(): void } {
  const samples: { at: number; lateMs: number }[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    samples.push({ at: now, lateMs: Math.max(0, now - last - TICK_MS) });
    last = now;
    while (samples.length && samples[0]!.at < now - WINDOW_MS) samples.shift();
  }, TICK_MS);
  timer.unref();
  return {
    worstMs: () => {
      // A timer that has not fired since a block is as late as the block so far.
      const pending = Math.max(0, performance.now() - last - TICK_MS);
      return samples.reduce((m, s) => Math.max(m, s.lateMs), pending);
    },
    stop: () => clearInterval(timer),
  };
}

export async function serveMetrics(registry: Registry, listen: string, opts: ProbeOptions = {}): Promise<MetricsEndpoint> {
  const [host, port] = splitHostPort(listen);
  const loopStallMs = opts.loopStallMs ?? 5000;
  const loop = loopDelayMonitor();
  let readiness: () => Readiness = () => ({ ready: false, reasons: ['starting'] });
  const text = (res: import('node:http').ServerResponse, status: number, body: string) =>
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET') {
      text(res, 405, 'only GET\n');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': registry.contentType }).end(body),
        (err: Error) => text(res, 500, `${err.message}\n`),
      );
    } else if (path === '/healthz') {
      const late = Math.round(loop.worstMs());
      if (late > loopStallMs) text(res, 503, `event loop late by ${late} ms (limit ${loopStallMs} ms)\n`);
      else text(res, 200, 'ok\n');
    } else if (path === '/readyz') {
      let r: Readiness;
      try {
        r = readiness();
      } catch (err) {
        r = { ready: false, reasons: [`readiness check failed: ${(err as Error).message}`] };
      }
      if (r.ready) text(res, 200, 'ready\n');
      else text(res, 503, `${r.reasons.join('\n')}\n`);
    } else {
      text(res, 404, 'not found: try /metrics, /healthz or /readyz\n');
    }
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    url: `http://${host}:${actualPort}/metrics`,
    setReadiness: (check) => { readiness = check; },
    stopping: () => { readiness = () => ({ ready: false, reasons: ['stopping'] }); },
    close: () => new Promise<void>((resolve) => {
      loop.stop();
      server.close(() => resolve());
      server.closeIdleConnections();
    }),
  };
}

export function splitHostPort(listen: string): [string, number] {
  const i = listen.lastIndexOf(':');
  return [listen.slice(0, i), Number(listen.slice(i + 1))];
}
