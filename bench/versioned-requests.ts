// Benchmark: OSS requests one trigger of a versioned key costs, for keys of 1, 10 and 100 versions (issue 12,
// item 4). Per key: the first trigger (copies the whole chain), a realtime trigger on the key in sync (a
// duplicate event of its latest version), the trigger of one new version, a REPAIR trigger (the full
// check: every version read on both sides), and the trigger of a version deleted for good on the source
// (action ALL: it reads the destination chain, the one trigger whose cost grows with the history). The ceiling, measured in the same run: a bare ListObjectVersions
// of the key on both sides, the least a trigger that reads both chains can cost. Two local OSS regions in this
// process, no Kafka: reconcileKey is called directly, as the processor does for each trigger.
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
import type { Trigger } from '../processors/reconcile/types.ts';

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

const ratio = (a: number, b: number): number => Math.round((a / b) * 10) / 10;
const results = [];
try {
  for (const n of sizes) {
    const src = `bench-vsrc-${n}`;
    const dst = `bench-vdst-${n}`;
    await hz.createBucket(principals.user, src, true);
    await sh.createBucket(principals.user, dst, true);
    const key = `k-${n}`;
    const ctx: ReconcileContext = {
      rule: { id: 'bench', sourceBucket: src, destinationBucket: dst, action: 'ALL' },
      multipartThresholdBytes: 64 * 1024 * 1024, partSizeBytes: 16 * 1024 * 1024, partConcurrency: 4,
      versioned: true, source, sourceBucket: src, destination, destinationBucket: dst,
    };
    // Triggers as capture makes them: the event names the version and its size.
    const put = async (body: string): Promise<Trigger> => {
      const written = await writer.putObject(src, key, Buffer.from(body), { headers: {}, contentLength: body.length });
      return { kind: 'REALTIME', operation: 'PUT', versionId: written.versionId ?? null, size: body.length, eventTime: Date.now() };
    };
    let last: Trigger | undefined;
    for (let i = 0; i < n; i++) last = await put(`v${i}`);
    const first = await measure(() => reconcileKey(ctx, key, last!));
    const inSync = await measure(() => reconcileKey(ctx, key, last!));
    const newVersion = await put(`v${n}`);
    const afterNewVersion = await measure(() => reconcileKey(ctx, key, newVersion));
    const fullCheck = await measure(() => reconcileKey(ctx, key, { kind: 'REPAIR', eventTime: Date.now(), size: null }));
    // A version deleted for good on the source (the oldest): its trigger reads the destination chain.
    const oldest = (await source.listKeyVersions(src, key)).at(-1)!.versionId!;
    await writer.deleteObject(src, key, oldest);
    const versionDelete = await measure(() => reconcileKey(ctx, key, { kind: 'REALTIME', operation: 'DELETE', versionId: oldest, size: null, eventTime: Date.now() }));
    const ceiling = await measure(async () => {
      await source.listKeyVersions(src, key);
      await destination.listKeyVersions(dst, key);
    });
    results.push({
      versions: n, first_trigger: first, in_sync_trigger: inSync, new_version_trigger: afterNewVersion, full_check_trigger: fullCheck, version_delete_trigger: versionDelete,
      ceiling_list_both_chains: ceiling,
      in_sync_vs_ceiling: ratio(inSync.requests, ceiling.requests),
      new_version_vs_ceiling: ratio(afterNewVersion.requests, ceiling.requests),
      cpu_ms_per_in_sync_trigger: inSync.cpu_ms, cpu_ms_per_new_version_trigger: afterNewVersion.cpu_ms,
    });
  }
  process.stdout.write(`${JSON.stringify({ benchmark: 'versioned-requests', results })}\n`);
} finally {
  await Promise.all(regions.map((r) => r.stop()));
  rmSync(dir, { recursive: true, force: true });
}
