// Benchmark: OSS requests one trigger of a versioned key costs, for keys of 1, 10 and 100 versions (issue 12,
// item 4): the first reconcile (copies the whole chain) and a later one on a key already in sync (the common
// case: a realtime trigger). The ceiling, measured in the same run: a bare ListObjectVersions of the key on
// both sides, the least a trigger that reads both chains can cost. Two local OSS regions in this process, no
// Kafka: reconcileKey is called directly, as the processor does for each trigger.
//   node --import tsx bench/versioned-requests.ts [--versions 1,10,100]
// Prints one JSON object.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createObjectStore } from '../core/adapters/oss/object-store.ts';
import type { ObjectStore } from '../core/ports/object-store.ts';
import { makePrincipals } from '../deploy/local/stack/principals.ts';
import { startRegion } from '../deploy/local/stack/region.ts';
import { reconcileKey, type ReconcileContext } from '../processors/reconcile/reconcile-key.ts';

const { values } = parseArgs({ options: { versions: { type: 'string', default: '1,10,100' } } });
const sizes = values.versions.split(',').map(Number);

const dir = mkdtempSync(join(tmpdir(), 'crr-bench-versions-'));
const principals = makePrincipals();
const regions = await Promise.all([['hangzhou', 'oss-cn-hangzhou'], ['shanghai', 'oss-cn-shanghai']].map(([name, region]) =>
  startRegion({ name: name!, region: region!, dataDir: join(dir, name!), credentials: [principals.user, principals.replicator] })));
const [hz, sh] = regions as [typeof regions[number], typeof regions[number]];

let requests = 0;
const byOp: Record<string, number> = {};
const counted = (endpoint: string, region: string): ObjectStore => createObjectStore({
  endpoint, region, ...principals.replicator, timeoutMs: 30_000,
  onRequest: (op) => { requests++; byOp[op] = (byOp[op] ?? 0) + 1; },
});
const source = counted(hz.endpoint, hz.region);
const destination = counted(sh.endpoint, sh.region);
const writer = hz.store(principals.user);

/** Requests (and CPU ms) of `run`, by operation. */
async function measure(run: () => Promise<unknown>): Promise<{ requests: number; by_op: Record<string, number>; cpu_ms: number }> {
  requests = 0;
  for (const k of Object.keys(byOp)) delete byOp[k];
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  return { requests, by_op: { ...byOp }, cpu_ms: Math.round((used.user + used.system) / 1000) };
}

const results = [];
try {
  for (const n of sizes) {
    const src = `bench-vsrc-${n}`;
    const dst = `bench-vdst-${n}`;
    await hz.createBucket(principals.user, src, true);
    await sh.createBucket(principals.user, dst, true);
    const key = `k-${n}`;
    for (let i = 0; i < n; i++) await writer.putObject(src, key, Buffer.from(`v${i}`), { headers: {}, contentLength: `v${i}`.length });
    const ctx: ReconcileContext = {
      rule: { id: 'bench', sourceBucket: src, destinationBucket: dst, action: 'ALL' },
      multipartThresholdBytes: 64 * 1024 * 1024, partSizeBytes: 16 * 1024 * 1024, partConcurrency: 4,
      versioned: true, source, sourceBucket: src, destination, destinationBucket: dst,
    };
    const trigger = { kind: 'REALTIME' as const, operation: 'PutObject', eventTime: Date.now() };
    const first = await measure(() => reconcileKey(ctx, key, trigger));
    const inSync = await measure(() => reconcileKey(ctx, key, trigger));
    const ceiling = await measure(async () => {
      await source.listKeyVersions(src, key);
      await destination.listKeyVersions(dst, key);
    });
    results.push({ versions: n, first_trigger: first, in_sync_trigger: inSync, ceiling_list_both_chains: ceiling,
      in_sync_vs_ceiling: Math.round((inSync.requests / ceiling.requests) * 10) / 10,
      cpu_ms_per_in_sync_trigger: inSync.cpu_ms });
  }
  process.stdout.write(`${JSON.stringify({ benchmark: 'versioned-requests', results })}\n`);
} finally {
  await Promise.all(regions.map((r) => r.stop()));
  rmSync(dir, { recursive: true, force: true });
}
