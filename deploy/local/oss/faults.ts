// Fault injection: per-operation error rates (503 SlowDown or 500 InternalError), added latency (of every
// request, per bucket, per operation), connection resets, a per-connection bandwidth cap, and forced errors
// per bucket. All off unless configured.
import type { Socket } from 'node:net';
import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { OssError } from './errors.ts';
import type { OssOperation } from './operations.ts';

export interface FaultConfig {
  errorRate?: Partial<Record<OssOperation | '*', number>>;
  errorStatus?: 503 | 500;
  latencyMs?: number;
  resetRate?: number;
  bandwidthBytesPerSec?: number;
  bucketErrors?: Record<string, { status: number; code: string }>;
  /** Extra latency of every request to these buckets (a destination that answers slowly, not one that refuses). */
  bucketLatencyMs?: Record<string, number>;
  /** Extra latency of these operations (a listing slowed so that a test can kill its lister mid-way). */
  operationLatencyMs?: Partial<Record<OssOperation, number>>;
}

export class Faults {
  config: FaultConfig;
  private readonly buckets = new WeakMap<Socket, { nextFree: number }>();

  constructor(config: FaultConfig = {}) {
    this.config = config;
  }

  shouldReset(): boolean {
    const r = this.config.resetRate ?? 0;
    return r > 0 && Math.random() < r;
  }

  async delay(bucket = ''): Promise<void> {
    const ms = (this.config.latencyMs ?? 0) + (bucket ? this.config.bucketLatencyMs?.[bucket] ?? 0 : 0);
    if (ms > 0) await sleep(ms);
  }

  async delayOperation(op: OssOperation): Promise<void> {
    const ms = this.config.operationLatencyMs?.[op] ?? 0;
    if (ms > 0) await sleep(ms);
  }

  /** Throws the forced bucket error or a random injected error for `op`, if any applies. */
  check(op: OssOperation, bucket: string): void {
    const forced = bucket ? this.config.bucketErrors?.[bucket] : undefined;
    if (forced) throw new OssError(forced.code, undefined, { status: forced.status });
    const rates = this.config.errorRate;
    if (!rates) return;
    const rate = rates[op] ?? rates['*'] ?? 0;
    if (rate > 0 && Math.random() < rate) {
      throw this.config.errorStatus === 500 ? new OssError('InternalError') : new OssError('SlowDown');
    }
  }

  /** A pass-through that paces bytes to the configured rate, shared by everything on one connection. */
  throttle(socket: Socket): Transform | null {
    const rate = this.config.bandwidthBytesPerSec ?? 0;
    if (!(rate > 0)) return null;
    let state = this.buckets.get(socket);
    if (!state) this.buckets.set(socket, (state = { nextFree: Date.now() }));
    const s = state;
    return new Transform({
      highWaterMark: 64 * 1024,
      transform(chunk: Buffer, _enc, done) {
        const now = Date.now();
        const start = Math.max(now, s.nextFree);
        s.nextFree = start + (chunk.length / rate) * 1000;
        const wait = s.nextFree - now;
        if (wait <= 1) done(null, chunk);
        else setTimeout(() => done(null, chunk), wait);
      },
    });
  }
}
