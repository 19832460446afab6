// Test helper: the local stack (deploy/local/stack.ts) on the suite's broker, with the tests' defaults:
// in-process OSS servers with an event log, small multipart thresholds, fast retries, quiet logs. Processing
// runs in this process (startProcessing) or as `crr process` children (spawnProcessor).
import { createLogger } from '../../core/logging.ts';
import type { ObjectStore } from '../../core/ports/object-store.ts';
import { fastRetryPolicy } from '../../core/retry.ts';
import { startLocalStack, type LocalRegion, type LocalStack, type LocalStackOptions, type ProcessingOverrides, type StackOssOptions, type StackRule } from '../../deploy/local/stack.ts';
import { testBrokers } from './kafka.ts';

export { projectRoot } from '../../deploy/local/project-root.ts';
export type { ProcessorChild } from '../../deploy/local/stack.ts';

export type RuleSpec = StackRule;

export interface StackOptions {
  rules: RuleSpec[];
  partitions?: number;
  processing?: ProcessingOverrides;
  /** Merged over the tests' OSS options (e.g. tls, endpointCredentials). */
  oss?: StackOssOptions;
  /** Buckets no rule names yet (a rule applied later replicates between them). */
  buckets?: LocalStackOptions['buckets'];
  /** In-process capture and processing follow the rules topic (see LocalStackOptions). */
  followRulesTopic?: boolean;
  /** false: no in-process receiver (a test starts the capture it needs). */
  capture?: boolean;
}

/** The local stack under the names the pipeline tests use: hz (the sources' region) and sh (the destinations'). */
export interface Stack extends Omit<LocalStack, 'writer'> {
  hz: LocalRegion;
  sh: LocalRegion;
  /** The application's own writes (not the replicator's), on each region. */
  writer: { hz: ObjectStore; sh: ObjectStore };
}

export async function waitFor(what: string, cond: () => boolean | Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Sum of a counter's (or gauge's) values whose labels pass `filter`. */
export async function metricSum(metric: { get(): Promise<{ values: { labels: Record<string, unknown>; value: number }[] }> },
  filter: (labels: Record<string, unknown>) => boolean = () => true): Promise<number> {
  const data = await metric.get();
  return data.values.filter((v) => filter(v.labels)).reduce((n, v) => n + v.value, 0);
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const processing = { concurrency: 64, multipartThresholdBytes: 2 * 1024 * 1024, partSizeBytes: 1024 * 1024, retries: 8, ...opts.processing };
  const local = await startLocalStack({
    name: 'pipeline', kafka: { brokers: testBrokers() }, rules: opts.rules, partitions: opts.partitions, processing, buckets: opts.buckets,
    followRulesTopic: opts.followRulesTopic, capture: opts.capture,
    oss: { eventLog: true, timeoutMs: 20_000, writerTimeoutMs: 30_000, ...opts.oss },
    keepData: Boolean(process.env.CRR_KEEP_TEST_DATA),
    retryPolicy: { ...fastRetryPolicy, retries: processing.retries },
    logger: createLogger('pipeline-test', process.env.CRR_LOG_LEVEL ?? 'silent'),
  });
  return { ...local, hz: local.regions.hangzhou, sh: local.regions.shanghai, writer: { hz: local.writer.hangzhou, sh: local.writer.shanghai } };
}

/** Reads a Prometheus text exposition into `name{labels} -> value` samples. */
export async function scrape(url: string): Promise<{ name: string; labels: Record<string, string>; value: number }[]> {
  const text = await (await fetch(url)).text();
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}
