// Every capture and processor process's view of the rules topic: it reads the compacted topic from its start
// (in a group of its own, committing nothing, deleted when the view stops), is caught up with the end it had
// at start before the process takes work, then tails it, so a rule applied with `crr rules apply` takes
// effect within a second or so.
// A record this process cannot use (a rule naming an endpoint its config lacks, or one the rule schema
// refuses) is logged and skipped: the rule keeps its previous state here.
import { randomUUID } from 'node:crypto';
import type { EndpointConfig } from '../config/schema.ts';
import { describeError } from '../errors.ts';
import type { Logger } from '../logging.ts';
import type { BusConsumer, BusProducer, OpenConsumer } from '../ports/bus.ts';
import { decode, encode } from '../../schemas/codec.ts';
import type { RuleConfig } from '../config/schema.ts';
import { RuleSetState, type LiveRules } from './live-rules.ts';
import { entryFromRecord, ruleRecord, sameRule, type RuleEntry } from './rule-record.ts';

export interface RulesView extends LiveRules {
  /** The ids the topic has held (tombstoned ones too, while it keeps the tombstone). */
  seen(): ReadonlySet<string>;
  /** Resolves once every record below `offset` has been read. */
  caughtUp(offset: bigint, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RulesViewOptions {
  /** Opens the view's consumer; its disconnect should delete the group (core/adapters/kafka/throwaway-group.ts). */
  openConsumer: OpenConsumer;
  topic: string;
  /** The group's name stem; each view gets a group of its own. */
  group: string;
  /** This process's endpoints: a rule naming another one cannot run here. */
  endpoints: Readonly<Record<string, EndpointConfig>>;
  logger: Logger;
}

/** The record's rule, or why this process cannot use it. */
export function readRuleRecord(value: Buffer, endpoints: Readonly<Record<string, EndpointConfig>>): RuleEntry {
  const entry = entryFromRecord(decode('Rule', value));
  for (const side of ['source', 'destination'] as const) {
    const name = entry.rule[side].endpoint;
    if (!endpoints[name]) throw new Error(`rule "${entry.rule.id}" names ${side} endpoint "${name}", which this process's config lacks`);
  }
  return entry;
}

export async function startRulesView(o: RulesViewOptions): Promise<RulesView> {
  const consumer: BusConsumer = await o.openConsumer({ groupId: `${o.group}-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const state = new RuleSetState();
  let position = 0n;
  await consumer.subscribe([o.topic], true);
  void consumer.run((batch) => {
    for (const m of batch.messages) {
      const id = m.key?.toString() ?? '';
      if (m.value === null) {
        if (state.apply(id, undefined)) o.logger.info({ rule: id }, 'rule deleted');
        continue;
      }
      try {
        const entry = readRuleRecord(m.value, o.endpoints);
        if (entry.rule.id !== id) throw new Error(`the record of rule "${entry.rule.id}" has key "${id}"`);
        const change = state.apply(id, entry);
        o.logger.info({ rule: id, state: entry.state, added: !change?.before }, change?.before ? 'rule updated' : 'rule added');
      } catch (err) {
        state.seen.add(id);
        o.logger.error({ rule: id, offset: m.offset, err: describeError(err) }, 'rule record skipped: this process cannot use it');
      }
    }
    position = BigInt(batch.nextOffset);
  });
  return {
    entries: () => state.entries(),
    onChange: (l) => state.onChange(l),
    seen: () => state.seen,
    async caughtUp(offset, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (position < offset) {
        if (Date.now() > deadline) throw new Error(`the rules view did not reach offset ${offset} within ${timeoutMs} ms (at ${position})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      await consumer.stop();
      await consumer.disconnect();
    },
  };
}

/**
 * The YAML's rules seed the topic: each rule whose id the topic never held is written, ACTIVE. The topic wins
 * for an id it holds (change such a rule with `crr rules apply`); a file rule that differs is named in a warning.
 */
export async function seedRules(o: { view: RulesView; rules: readonly RuleConfig[]; producer: BusProducer; topic: string; logger: Logger; now?: () => number }): Promise<string[]> {
  const now = (o.now ?? Date.now)();
  const seeded = o.rules.filter((r) => !o.view.seen().has(r.id));
  for (const r of o.rules) {
    const held = o.view.entries().get(r.id);
    if (held && !sameRule(held.rule, r)) {
      o.logger.warn({ rule: r.id }, 'the config file\'s rule differs from the rules topic\'s; the topic\'s is used (change it with crr rules apply)');
    }
  }
  if (seeded.length) await o.producer.send(o.topic, seeded.map((r) => ({ key: r.id, value: encode('Rule', ruleRecord(r, 'ACTIVE', now)) })));
  return seeded.map((r) => r.id);
}
