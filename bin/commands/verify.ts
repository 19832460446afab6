// crr verify --config FILE [--rule R] [--repair] [--json] [--origins]: compares source and destination of each
// rule (the rules topic's and the file's, as capture and process see them) and prints what it compared and
// every difference (with --origins, each replica's origin time and owner beside its own): text by default, one
// JSON report per rule and prefix on stdout with --json (JSON lines, so `| jq` works; logs and the progress
// display are on stderr). With --repair, publishes a REPAIR trigger for each differing key, so processors
// reconcile it. Exits 1 when differences were found; an OSS failure no retry fixes (a wrong secret, an unreachable endpoint, a
// missing bucket) exits 4, 3 or 2 with one line naming the rule, the side and the config to check.
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import type { CrrConfig } from '../../core/config/load.ts';
import { CrrError } from '../../core/errors.ts';
import { ruleView } from '../../processors/rule-context.ts';
import { verifyRule, type VerifyReport } from '../../processors/verify.ts';
import { changeRecord, repairChange } from '../../schemas/records.ts';
import { progressBar } from '../progress-bar.ts';
import { EXIT, exitCodeFor } from './exit-codes.ts';
import { readRulesTopic } from './live-rules.ts';
import { startOneShot } from './shared.ts';
import { storeFactory } from '../../core/adapters/oss/store-factory.ts';

type Rule = CrrConfig['rules'][number];

export async function verifyCommand(opts: { config: string; rule?: string; repair?: boolean; json?: boolean; origins?: boolean }): Promise<void> {
  const selected = <R extends { id: string }>(rules: R[]) => rules.filter((r) => !opts.rule || r.id === opts.rule);
  const rt = await startOneShot('verify', opts.config, {
    // A rule that only the rules topic holds may name any endpoint of the file.
    endpoints: (cfg) => (opts.rule && cfg.rules.some((r) => r.id === opts.rule) ? selected(cfg.rules).flatMap((r) => [r.source.endpoint, r.destination.endpoint]) : Object.keys(cfg.endpoints)),
    receiver: false,
    topics: (cfg) => (opts.repair ? [cfg.topicNames.changes] : []),
  });
  const { config } = rt;
  const storeFor = storeFactory(config, rt.metrics);
  const live = await readRulesTopic(rt);
  const rules = selected(live.rules());
  await live.stop();
  if (rules.length === 0) {
    process.stderr.write(`crr: verify: no rule with id "${opts.rule}" in ${opts.config} or on the rules topic\n`);
    process.exit(EXIT.usage);
  }
  let differing = 0;
  const producer = opts.repair ? await createProducer(rt.kafka) : undefined;
  for (const rule of rules) {
    const source = storeFor(rule.source.endpoint, rule.id);
    const destination = storeFor(rule.destination.endpoint, rule.id);
    const prefixes = rule.prefixes.length ? rule.prefixes : [undefined];
    const view = ruleView(rule);
    for (const prefix of prefixes) {
      const progress = progressBar({ label: `verify ${rule.id}${prefix ? ` ${prefix}` : ''}`, unit: 'keys' });
      const report = await explained(rule, config, async () => verifyRule({
        source, sourceBucket: rule.source.bucket, destination, destinationBucket: rule.destination.bucket, prefix, action: rule.action,
        versioned: await source.isVersioned(rule.source.bucket), storageClass: rule.destination.storageClass,
        encryption: view.encryption, replicaKmsKeyId: view.replicaKmsKeyId, origins: opts.origins,
        onCompared: (r) => progress.update(r.compared, `${r.differences.length} differences`),
      }));
      progress.finish(`${report.differences.length} differences`);
      differing += report.differences.length;
      process.stdout.write(opts.json ? `${JSON.stringify({ rule: rule.id, prefix: prefix ?? null, ...report })}\n` : asText(rule, prefix, report));
      if (producer && report.differences.length) {
        const now = Date.now();
        const target = { id: rule.id, sourceBucket: rule.source.bucket, region: config.endpoint(rule.source.endpoint).region };
        await producer.send(config.topicNames.changes, report.differences.map((d) => changeRecord(repairChange(target, d.key, now))));
        if (!opts.json) process.stdout.write(`  published ${report.differences.length} repair triggers\n`);
      }
    }
  }
  await producer?.disconnect();
  await rt.closeMetrics();
  process.exit(differing ? EXIT.differences : EXIT.ok);
}

function asText(rule: Rule, prefix: string | undefined, r: VerifyReport): string {
  const lines = [`rule ${rule.id}: ${rule.source.bucket} -> ${rule.destination.bucket}${prefix ? `, prefix ${prefix}` : ''}: `
    + `${r.compared} compared, ${r.inSync} in sync, ${r.onlyInSource} missing in destination, ${r.onlyInDestination} only in destination, `
    + `${r.differing} differing${r.versionsCompared ? `, ${r.versionsCompared} versions` : ''}`
    + `${r.skippedKms ? `, ${r.skippedKms} not replicated (SSE-KMS; the rule does not set replicateSseKms)` : ''}`];
  for (const d of r.differences) lines.push(`  ${d.key}: ${d.problem}`);
  for (const o of r.origins ?? []) {
    lines.push(`  ${o.key}${o.versionId ? ` (version ${o.versionId})` : ''}: origin ${o.originBucket} last modified ${o.originLastModified}`
      + ` by owner ${o.originOwner ?? 'unrecorded'}; replica last modified ${o.replicaLastModified} by owner ${o.replicaOwner ?? 'unknown'}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Runs a rule's verification; an OSS failure with an exit code gains the rule, the side and what to check. */
async function explained<T>(rule: Rule, config: CrrConfig, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof CrrError) || exitCodeFor(err) === undefined) throw err;
    const side = err.context.bucket === rule.destination.bucket && rule.destination.bucket !== rule.source.bucket ? 'destination' : 'source';
    const name = rule[side].endpoint;
    const ep = config.endpoint(name);
    const hint = err.code === 'AUTH_FAILED' || err.code === 'ACCESS_DENIED'
      ? `check the key of endpoints.${name}: $${ep.accessKeyIdEnv} and $${ep.accessKeySecretEnv}${err.code === 'ACCESS_DENIED' ? ' (and its policy)' : ''}`
      : err.code === 'BUCKET_NOT_FOUND' ? `check the rule's ${side}.bucket (${rule[side].bucket})`
        : `check endpoints.${name}.endpoint (${ep.endpoint})`;
    throw new CrrError(`verify ${rule.id}: ${side} ${rule[side].bucket} at ${ep.endpoint}: ${err.message}; ${hint}`,
      { code: err.code, retriable: err.retriable, stage: err.stage, context: err.context, cause: err });
  }
}
