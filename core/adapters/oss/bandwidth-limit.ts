// A bandwidth limit on request bodies (a token bucket), shared by every request that holds it: one per
// rule's destination in a process, so every processor slot, both lanes (real-time and backfill), whole-object
// PUTs and multipart parts draw from the same budget. Bodies are paced in small slices as they stream, never
// held: a copy under the limit flows at the limit, with at most one second's worth sent as a burst.
import { Transform } from 'node:stream';

export interface BandwidthLimit {
  /** Bytes per second; undefined counts bytes without limiting them. */
  readonly bytesPerSecond?: number;
  /** Reserves `bytes`: undefined when they may go now, else a promise that resolves when they may. */
  take(bytes: number): Promise<void> | undefined;
}

export interface BandwidthLimitOptions {
  bytesPerSecond?: number;
  /** Bytes that may go at once after an idle spell; default one second's worth. */
  burstBytes?: number;
  /** Told of every byte sent, limited or not (the used-rate metric). */
  onBytes?: (bytes: number) => void;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function bandwidthLimit(o: BandwidthLimitOptions): BandwidthLimit {
  const rate = o.bytesPerSecond;
  const now = o.now ?? Date.now;
  const sleep = o.sleep ?? defaultSleep;
  const burst = o.burstBytes ?? rate ?? 0;
  // Tokens may go negative: each taker reserves its bytes at once and waits out its share of the debt, so
  // concurrent bodies are served in the order they asked, and the total never exceeds the rate.
  let tokens = burst;
  let at = now();
  return {
    bytesPerSecond: rate,
    take(bytes) {
      o.onBytes?.(bytes);
      if (rate === undefined) return undefined;
      const t = now();
      tokens = Math.min(burst, tokens + ((t - at) / 1000) * rate);
      at = t;
      tokens -= bytes;
      return tokens < 0 ? sleep((-tokens / rate) * 1000) : undefined;
    },
  };
}

/** Slices a paced body is cut into: small enough that the limit holds within a fraction of a second. */
export const PACING_SLICE_BYTES = 64 * 1024;

/** A pass-through stream that sends its bytes no faster than `limit` allows (and counts them). */
export function pacedBody(limit: BandwidthLimit): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      // Unlimited: count and pass the chunk on as it is, with no promise per chunk on the hot path.
      if (limit.bytesPerSecond === undefined) {
        limit.take(chunk.length);
        return done(null, chunk);
      }
      void (async () => {
        for (let i = 0; i < chunk.length; i += PACING_SLICE_BYTES) {
          const slice = chunk.subarray(i, i + PACING_SLICE_BYTES);
          await limit.take(slice.length);
          if (this.destroyed) return;
          this.push(slice);
        }
        done();
      })();
    },
  });
}
