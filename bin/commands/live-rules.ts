// The rules a long-running command (capture, process) works with: the rules topic, read to its end before
// any work starts and tailed after; the config file's rules seed the ids the topic never held.
import { throwawayConsumerOpener } from '../../core/adapters/kafka/throwaway-group.ts';
import { endOffsets } from '../../core/adapters/kafka/offsets.ts';
import type { BusProducer } from '../../core/ports/bus.ts';
import { seedRules, startRulesView, type RulesView } from '../../core/rules/rules-view.ts';
import type { Runtime } from './shared.ts';

export async function followRulesTopic(rt: Runtime, producer: BusProducer): Promise<RulesView> {
  const topic = rt.config.topicNames.rules;
  const end = async () => BigInt((await endOffsets(rt.kafka, topic)).get(0) ?? '0');
  const view = await startRulesView({ openConsumer: throwawayConsumerOpener(rt.kafka, (group, err) => rt.logger.warn({ group, err: String(err) }, 'could not delete the rules view\'s consumer group; the broker removes it when it cleans up empty groups')), topic, group: `${rt.config.processing.groupId}-rules-view`,
    endpoints: rt.config.endpoints, logger: rt.logger });
  await view.caughtUp(await end());
  const seeded = await seedRules({ view, rules: rt.config.rules, producer, topic, logger: rt.logger });
  if (seeded.length) {
    rt.logger.info({ rules: seeded }, 'the config file\'s rules seeded the rules topic');
    await view.caughtUp(await end());
  }
  return view;
}
