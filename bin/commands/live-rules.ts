// The rules a command works with. A long-running command (capture, process) follows the rules topic, read to
// its end before any work starts and tailed after; the config file's rules seed the ids the topic never held.
// A command that only reads rules (verify, status) follows the topic too, and writes nothing.
import { endOffsets } from '../../core/adapters/kafka/offsets.ts';
import { missingTopics } from '../../core/adapters/kafka/topics.ts';
import type { RuleConfig } from '../../core/config/schema.ts';
import type { BusProducer } from '../../core/ports/bus.ts';
import { withFileRules } from '../../core/rules/live-rules.ts';
import { seedRules, startRulesView, type RulesView } from '../../core/rules/rules-view.ts';
import { viewConsumerOpener, type Runtime } from './shared.ts';

async function caughtUpView(rt: Runtime): Promise<{ view: RulesView; end: () => Promise<bigint> }> {
  const topic = rt.config.topicNames.rules;
  const end = async () => BigInt((await endOffsets(rt.kafka, topic)).get(0) ?? '0');
  const openConsumer = viewConsumerOpener(rt, 'rules view');
  const view = await startRulesView({ openConsumer, topic, group: `${rt.config.processing.groupId}-rules-view`, endpoints: rt.config.endpoints, logger: rt.logger });
  await view.caughtUp(await end());
  return { view, end };
}

export async function followRulesTopic(rt: Runtime, producer: BusProducer): Promise<RulesView> {
  const topic = rt.config.topicNames.rules;
  const { view, end } = await caughtUpView(rt);
  const seeded = await seedRules({ view, rules: rt.config.rules, producer, topic, logger: rt.logger });
  if (seeded.length) {
    rt.logger.info({ rules: seeded }, 'the config file\'s rules seeded the rules topic');
    await view.caughtUp(await end());
  }
  return view;
}

/**
 * The rules of a command that only reads them (crr verify, crr status): the rules topic's, followed while the
 * command runs, and the file's rules the topic never held (same precedence as capture and process). Before
 * any capture or processor created the rules topic, the file's rules.
 */
export async function readRulesTopic(rt: Runtime): Promise<{ rules(): RuleConfig[]; stop(): Promise<void> }> {
  if ((await missingTopics(rt.kafka, [rt.config.topicNames.rules])).length) return { rules: () => rt.config.rules, stop: async () => {} };
  const { view } = await caughtUpView(rt);
  return { rules: () => withFileRules(view, rt.config.rules), stop: () => view.stop() };
}
