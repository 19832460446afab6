// What every command does the same way: load the config (exit 2 naming the bad field), build the
// Kafka client, the metrics registry and its endpoint, and stop cleanly on SIGTERM/SIGINT.
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createKafka, type KafkaClient } from '../../core/adapters/kafka/client.ts';
import { ensureTopics } from '../../core/adapters/kafka/topics.ts';
import { busTopicSpecs } from '../../core/bus-topics.ts';
import { loadConfig, type CrrConfig } from '../../core/config/load.ts';
import { CrrError } from '../../core/errors.ts';
import { createLogger, type Logger } from '../../core/logging.ts';
import { createMetrics, type CrrMetrics } from '../../core/metrics/metrics.ts';
import { serveMetrics } from '../../core/metrics/serve.ts';

export interface Runtime {
  config: CrrConfig;
  kafka: KafkaClient;
  metrics: CrrMetrics;
  logger: Logger;
  closeMetrics(): Promise<void>;
}

export function loadConfigOrExit(file: string, logger: Logger): CrrConfig {
  try {
    return loadConfig(file, process.env);
  } catch (err) {
    if (err instanceof CrrError && err.code === 'INVALID_CONFIG') {
      process.stderr.write(`${err.message}\n`);
      logger.flush?.();
      process.exit(2);
    }
    throw err;
  }
}

export async function startRuntime(component: string, configFile: string): Promise<Runtime> {
  const logger = createLogger(component, process.env.CRR_LOG_LEVEL ?? 'info');
  const config = loadConfigOrExit(configFile, logger);
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-${component}`,
    ssl: config.kafka.ssl,
    sasl: config.kafka.sasl
      ? { mechanism: config.kafka.sasl.mechanism, username: config.kafka.sasl.username, password: process.env[config.kafka.sasl.passwordEnv]! } as never
      : undefined,
    logger: (level, message, extra) => { if (level === 'error' || level === 'warn') logger[level]({ kafka: extra }, message); },
  });
  await ensureTopics(kafka, busTopicSpecs(config));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'crr_process_' });
  const metrics = createMetrics(registry);
  const served = await serveMetrics(registry, config.metrics.listen);
  logger.info({ metrics: served.url }, 'metrics endpoint up');
  return { config, kafka, metrics, logger, closeMetrics: served.close };
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits 0 (or 1 if stopping failed). */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: finishing in-flight work');
    stop().then(
      () => { logger.info('stopped cleanly'); process.exit(0); },
      (err) => { logger.error({ err: (err as Error).message }, 'stop failed'); process.exit(1); },
    );
  };
  process.once('SIGTERM', () => handler('SIGTERM'));
  process.once('SIGINT', () => handler('SIGINT'));
}
