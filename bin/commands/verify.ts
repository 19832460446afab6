// crr verify --config FILE [--rule R] [--repair]: compares source and destination of each rule and
// prints what it compared and every difference (JSON). With --repair, publishes a REPAIR trigger for
// each differing key, so processors reconcile it. Exits 1 when differences were found.
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { verifyRule } from '../../processors/verify.ts';
import { changeRecord, repairChange } from '../../schemas/records.ts';
import { startOneShot } from './shared.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';

export async function verifyCommand(opts: { config: string; rule?: string; repair?: boolean }): Promise<void> {
  const selected = <R extends { id: string }>(rules: R[]) => rules.filter((r) => !opts.rule || r.id === opts.rule);
  const rt = await startOneShot('verify', opts.config, {
    endpoints: (cfg) => selected(cfg.rules).flatMap((r) => [r.source.endpoint, r.destination.endpoint]),
    receiver: false,
    topics: (cfg) => (opts.repair ? [cfg.topicNames.changes] : []),
  });
  const { config } = rt;
  const storeFor = storeFactory(config, rt.metrics);
  const rules = selected(config.rules);
  if (rules.length === 0) {
    process.stderr.write(`verify: no rule with id "${opts.rule}"\n`);
    process.exit(2);
  }
  let differing = 0;
  const producer = opts.repair ? await createProducer(rt.kafka) : undefined;
  for (const rule of rules) {
    const source = storeFor(rule.source.endpoint, rule.id);
    const destination = storeFor(rule.destination.endpoint, rule.id);
    const versioned = await source.isVersioned(rule.source.bucket);
    const prefixes = rule.prefixes.length ? rule.prefixes : [undefined];
    for (const prefix of prefixes) {
      const report = await verifyRule({ source, sourceBucket: rule.source.bucket, destination, destinationBucket: rule.destination.bucket,
        prefix, action: rule.action, versioned, storageClass: rule.destination.storageClass });
      differing += report.differences.length;
      process.stdout.write(`${JSON.stringify({ rule: rule.id, prefix: prefix ?? null, ...report })}\n`);
      if (producer && report.differences.length) {
        const now = Date.now();
        const target = { id: rule.id, sourceBucket: rule.source.bucket, region: config.endpoint(rule.source.endpoint).region };
        await producer.send(config.topicNames.changes, report.differences.map((d) => changeRecord(repairChange(target, d.key, now))));
      }
    }
  }
  await producer?.disconnect();
  await rt.closeMetrics();
  process.exit(differing ? 1 : 0);
}
