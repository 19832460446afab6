// The demo's local stack: the quickstart's fixed ports, its data under .data/demo (wiped at each start),
// one rule from oss-cn-hangzhou to oss-cn-shanghai, and capture and processing in this process.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger } from '../../../core/logging.ts';
import { projectRoot } from '../../../deploy/local/project-root.ts';
import { startLocalStack, type KafkaSetup, type LocalStack } from '../../../deploy/local/stack.ts';

export const DEMO_PORTS = { kafka: 19092, hangzhou: 19101, shanghai: 19102, receiver: 18787, metrics: 19464 };
export const DEMO_RULE = 'demo-hz-to-sh';

/** `brokers` names a running broker to use (KAFKA_BROKERS); otherwise the local one is started, and stopped at the end. */
export async function startDemoStack(brokers: string | undefined, say: (line: string) => void): Promise<LocalStack> {
  const dir = join(projectRoot, '.data', 'demo');
  rmSync(dir, { recursive: true, force: true });
  const kafka: KafkaSetup = brokers ? { brokers: brokers.split(',') } : { start: { port: DEMO_PORTS.kafka, log: say }, stopAtEnd: true };
  const stack = await startLocalStack({
    name: 'demo', kafka, dir,
    rules: [{ id: DEMO_RULE, source: 'demo-src', destination: 'demo-dst', action: 'ALL' }],
    oss: { ports: { hangzhou: DEMO_PORTS.hangzhou, shanghai: DEMO_PORTS.shanghai } },
    receiverPort: DEMO_PORTS.receiver, metricsPort: DEMO_PORTS.metrics, serveMetrics: true,
    processing: { concurrency: 64, multipartThresholdBytes: 2 * 1024 * 1024, partSizeBytes: 1024 * 1024 },
    processingNow: true,
    logger: createLogger('crr-demo', process.env.CRR_LOG_LEVEL ?? 'warn'),
  });
  const { hangzhou: hz, shanghai: sh } = stack.regions;
  const rule = stack.config.rules[0];
  say(`  OSS region ${hz.region} on ${hz.endpoint}, ${sh.region} on ${sh.endpoint}`);
  say(`  Kafka ${stack.broker.version} on ${stack.broker.brokers.join(',')}; topics prefixed ${stack.config.topics.prefix}; metrics on ${stack.metricsUrl}`);
  say(`  rule ${rule.id}: ${hz.region}/${rule.source.bucket} -> ${sh.region}/${rule.destination.bucket}, action ${rule.action}`);
  return stack;
}
