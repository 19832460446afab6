// crr rules apply|list|pause|resume|delete: the rules control plane. Rules live on the compacted rules topic
// (key: rule id, value: io.crr.Rule, a tombstone deletes); every capture and processor process follows it, so
// a change takes effect within seconds, without a restart. These commands read the topic to its end, decide,
// and write records; they never talk to OSS.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { readTopicToEnd } from '../../core/adapters/kafka/read-to-end.ts';
import { createProducer } from '../../core/adapters/kafka/producer.ts';
import { CrrError } from '../../core/errors.ts';
import { planApply, parseRulesFile } from '../../core/rules/apply-plan.ts';
import { entryFromRecord, ruleRecord, type RuleEntry } from '../../core/rules/rule-record.ts';
import type { OutgoingRecord } from '../../core/ports/bus.ts';
import { decode, encode } from '../../schemas/codec.ts';
import type { RuleState } from '../../schemas/types.ts';
import { startOneShot, type Runtime } from './shared.ts';

const open = (configFile: string) => startOneShot('rules', configFile, { endpoints: () => [], receiver: false, topics: (cfg) => [cfg.topicNames.rules] });

/** The topic's rules now: the latest record per id, tombstones removing. */
export async function readRules(rt: Runtime): Promise<Map<string, RuleEntry>> {
  const rules = new Map<string, RuleEntry>();
  await readTopicToEnd(rt.kafka, rt.config.topicNames.rules, (m) => {
    const id = m.key?.toString() ?? '';
    if (m.value === null) {
      rules.delete(id);
      return;
    }
    try {
      rules.set(id, entryFromRecord(decode('Rule', m.value)));
    } catch (err) {
      rt.logger.warn({ rule: id, offset: m.offset, err: (err as Error).message }, 'unreadable rule record skipped');
    }
  });
  return rules;
}

async function write(rt: Runtime, records: OutgoingRecord[]): Promise<void> {
  if (records.length === 0) return;
  const producer = await createProducer(rt.kafka);
  try {
    await producer.send(rt.config.topicNames.rules, records);
  } finally {
    await producer.disconnect();
  }
}

function found(rules: Map<string, RuleEntry>, id: string): RuleEntry {
  const entry = rules.get(id);
  if (!entry) {
    throw new CrrError(`no rule "${id}" on the rules topic ${rules.size ? `(rules: ${[...rules.keys()].join(', ')})` : '(it holds none)'}`, {
      code: 'RULE_NOT_FOUND', stage: 'config', context: { rule: id } });
  }
  return entry;
}

export async function rulesApplyCommand(opts: { config: string; file: string; dryRun?: boolean; json?: boolean }): Promise<void> {
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(opts.file, 'utf8'));
  } catch (err) {
    throw new CrrError(`-f ${opts.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`, { code: 'INVALID_CONFIG', stage: 'config' });
  }
  const fileRules = parseRulesFile(raw, opts.file);
  const rt = await open(opts.config);
  const current = await readRules(rt);
  const plan = planApply(fileRules, current, rt.config.endpoints, opts.file);
  const now = Date.now();
  // A changed rule keeps its state: applying a file never resumes a paused rule.
  const records = [...plan.added, ...plan.changed].map((r) => ({ key: r.id, value: encode('Rule', ruleRecord(r, current.get(r.id)?.state ?? 'ACTIVE', now)) }));
  if (!opts.dryRun) await write(rt, records);
  const ids = { added: plan.added.map((r) => r.id), changed: plan.changed.map((r) => r.id), unchanged: plan.unchanged, kept: plan.kept };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ ...ids, applied: !opts.dryRun })}\n`);
  } else {
    const row = (label: string, list: string[]) => `${label.padEnd(28)}${list.length ? list.join(', ') : '-'}\n`;
    process.stdout.write(row('added:', ids.added) + row('changed:', ids.changed) + row('unchanged:', ids.unchanged) + row('not in the file (kept):', ids.kept)
      + (opts.dryRun ? 'dry run: nothing written\n' : `applied: ${records.length} rule record(s) written\n`));
  }
  process.exit(0);
}

export async function rulesListCommand(opts: { config: string; json?: boolean }): Promise<void> {
  const rt = await open(opts.config);
  const rules = [...(await readRules(rt)).values()].sort((a, b) => (a.rule.id < b.rule.id ? -1 : 1));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(rules.map((e) => ({ ...e.rule, state: e.state, updatedAt: new Date(e.updatedAt).toISOString() })))}\n`);
  } else if (rules.length === 0) {
    process.stdout.write('no rules on the rules topic\n');
  } else {
    for (const { rule: r, state } of rules) {
      process.stdout.write(`${r.id} ${state} ${r.source.endpoint}/${r.source.bucket} -> ${r.destination.endpoint}/${r.destination.bucket} action=${r.action}`
        + `${r.prefixes.length ? ` prefixes=${r.prefixes.join(',')}` : ''}${r.twoWay ? ' twoWay' : ''}\n`);
    }
  }
  process.exit(0);
}

export async function rulesStateCommand(state: RuleState, opts: { config: string; rule: string }): Promise<void> {
  const rt = await open(opts.config);
  const entry = found(await readRules(rt), opts.rule);
  const verb = state === 'PAUSED' ? 'paused' : 'active';
  if (entry.state === state) {
    process.stdout.write(`rule ${opts.rule} is already ${verb}\n`);
    process.exit(0);
  }
  await write(rt, [{ key: opts.rule, value: encode('Rule', ruleRecord(entry.rule, state, Date.now())) }]);
  process.stdout.write(state === 'PAUSED' ? `rule ${opts.rule} paused: its triggers wait in the processors until it is resumed\n`
    : `rule ${opts.rule} resumed: its waiting triggers go on\n`);
  process.exit(0);
}

export async function rulesDeleteCommand(opts: { config: string; rule: string }): Promise<void> {
  const rt = await open(opts.config);
  found(await readRules(rt), opts.rule);
  await write(rt, [{ key: opts.rule, value: null }]);
  process.stdout.write(`rule ${opts.rule} deleted: capture refuses its bucket's events, processors drop its triggers\n`);
  process.exit(0);
}
