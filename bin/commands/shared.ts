// What every command does the same way: load the config (exit 2 naming the bad field), build the
// Kafka client and the metrics registry (served by long-running commands only), and stop cleanly on SIGTERM/SIGINT.
import { Registry } from 'prom-client';
import { createKafka, type KafkaClient } from '../../core/adapters/kafka/client.ts';
import { kafkaFailure } from '../../core/adapters/kafka/failures.ts';
import { checkBrokerTls } from '../../core/adapters/kafka/tls-preflight.ts';
import { countBrokers } from '../../core/adapters/kafka/cluster.ts';
import { ensureTopics, missingTopics } from '../../core/adapters/kafka/topics.ts';
import { throwawayConsumerOpener } from '../../core/adapters/kafka/throwaway-group.ts';
import type { OpenConsumer } from '../../core/ports/bus.ts';
import { busTopicSpecs, checkReplicationFactor } from '../../core/bus-topics.ts';
import { kafkaSecurity, type KafkaSecurity } from '../../core/config/kafka-security.ts';
import { loadConfig, type CrrConfig, type SecretNeeds } from '../../core/config/load.ts';
import { CrrError } from '../../core/errors.ts';
import { createLogger, type Logger } from '../../core/logging.ts';
import { EXIT } from './exit-codes.ts';
import { collectProcessMetrics, createMetrics, type CrrMetrics } from '../../core/metrics/metrics.ts';
import { serveMetrics, type MetricsEndpoint } from '../../core/metrics/serve.ts';

export interface Runtime {
  config: CrrConfig;
  kafka: KafkaClient;
  metrics: CrrMetrics;
  logger: Logger;
  /** The /readyz answer: set it once the work runs; `stopping()` at shutdown. */
  probes: Pick<MetricsEndpoint, 'setReadiness' | 'stopping'>;
  closeMetrics(): Promise<void>;
}

/** The probes of a command that serves no endpoint: nothing to tell. */
const NO_PROBES: Runtime['probes'] = { setReadiness: () => {}, stopping: () => {} };

export function loadConfigOrExit(file: string, logger: Logger, needs: SecretNeeds = {}): CrrConfig {
  return configOrExit(() => loadConfig(file, process.env, needs), logger);
}

/** What a one-shot command (verify, dlq replay) uses: the secrets and the topics. */
export interface OneShotNeeds extends SecretNeeds {
  topics: (config: CrrConfig) => string[];
}

/** Runs a config step; a config error is printed (no stack) and exits 2. */
function configOrExit<T>(step: () => T, logger: Logger): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof CrrError && err.code === 'INVALID_CONFIG') {
      process.stderr.write(`${err.message}\n`);
      logger.flush?.();
      process.exit(EXIT.usage);
    }
    throw err;
  }
}

export interface RuntimeOptions {
  /** Serve the registry at metrics.listen (default true; `crr status` serves its own endpoint or none). */
  serveMetrics?: boolean;
  /** Where logs go (default stdout; `crr status` keeps stdout for its report). */
  logTo?: NodeJS.WritableStream;
}

/**
 * A long-running command (capture, process): every secret, the bus topics created when missing, and the
 * metrics endpoint served on metrics.listen.
 */
export async function startRuntime(component: string, configFile: string, opts: RuntimeOptions = {}): Promise<Runtime> {
  const logger = createLogger(component, process.env.CRR_LOG_LEVEL ?? 'info', opts.logTo);
  const config = loadConfigOrExit(configFile, logger);
  const kafka = await connectKafka(component, configFile, config, logger, (k) => ensureTopics(k, busTopicSpecs(config)).then(() => {}));
  const registry = new Registry();
  collectProcessMetrics(registry);
  const metrics = createMetrics(registry);
  if (opts.serveMetrics === false) return { config, kafka, metrics, logger, probes: NO_PROBES, closeMetrics: async () => {} };
  const served = await serveMetrics(registry, config.metrics.listen).catch((err: NodeJS.ErrnoException) => {
    // A port in use or not ours to bind is a setup mistake: say which field, exit 2.
    if (err.code !== 'EADDRINUSE' && err.code !== 'EACCES' && err.code !== 'EADDRNOTAVAIL') throw err;
    return configOrExit(() => {
      throw new CrrError(`metrics.listen: cannot listen on ${config.metrics.listen}: ${err.code}`, { code: 'INVALID_CONFIG', stage: 'config', cause: err });
    }, logger);
  });
  logger.info({ metrics: served.url }, 'metrics endpoint up');
  return { config, kafka, metrics, logger, probes: served, closeMetrics: served.close };
}

/**
 * A one-shot command: only the secrets it uses, the topics it uses must exist (it creates none: a typo'd
 * prefix would otherwise leave a new bus behind), and its metrics stay in memory: it binds no port, so it
 * runs beside a processor that serves metrics.listen.
 */
export async function startOneShot(component: string, configFile: string, needs: OneShotNeeds): Promise<Runtime> {
  const logger = createLogger(component, process.env.CRR_LOG_LEVEL ?? 'info');
  const config = loadConfigOrExit(configFile, logger, needs);
  const kafka = await connectKafka(component, configFile, config, logger, async (k) => {
    const missing = await missingTopics(k, needs.topics(config));
    if (missing.length) {
      configOrExit(() => {
        throw new CrrError(`${component}: topic(s) ${missing.join(', ')} do not exist (topics.prefix "${config.topics.prefix}"); start crr process or crr capture once to create them`, {
          code: 'INVALID_CONFIG', stage: 'config' });
      }, logger);
    }
  });
  return { config, kafka, metrics: createMetrics(new Registry()), logger, probes: NO_PROBES, closeMetrics: async () => {} };
}

async function connectKafka(component: string, configFile: string, config: CrrConfig, logger: Logger,
  topics: (kafka: KafkaClient) => Promise<void>): Promise<KafkaClient> {
  const security = configOrExit(() => kafkaSecurity(config.kafka, process.env, configFile), logger);
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}-${component}`,
    ssl: security.ssl,
    sasl: security.sasl,
    // Routine rebalances and coordinator moves arrive as info or warn (core/adapters/kafka/log-levels.ts).
    logger: (level, message, extra) => { if (level !== 'debug') logger[level]({ kafka: extra }, message); },
  });
  try {
    if (security.ssl) await checkBrokerTls(config.kafka.brokers, security.ssl === true ? {} : security.ssl);
    const brokerCount = await countBrokers(kafka);
    configOrExit(() => checkReplicationFactor(config, brokerCount), logger);
    await topics(kafka);
  } catch (err) {
    throw explainKafkaFailure(err, config, security);
  }
  return kafka;
}

/** A Kafka failure no retry fixes, with the config fields to look at (never the password itself). */
function explainKafkaFailure(err: unknown, config: CrrConfig, security: KafkaSecurity): unknown {
  const failure = kafkaFailure(err);
  if (!failure) return err;
  const { sasl, ssl } = config.kafka;
  const hint = failure.code === 'KAFKA_AUTH_FAILED' && sasl
    ? `check kafka.sasl: mechanism ${sasl.mechanism}, username ${sasl.username}, password from $${sasl.passwordEnv}`
    : failure.code === 'KAFKA_TLS_FAILED' ? tlsHint(failure.message, ssl)
      : `check kafka.brokers (${config.kafka.brokers.join(', ')})${security.ssl ? ' and that they serve TLS' : ''}`;
  return new CrrError(`${failure.message}; ${hint}`, { code: failure.code, retriable: failure.retriable, stage: failure.stage, cause: failure.cause });
}

function tlsHint(message: string, ssl: CrrConfig['kafka']['ssl']): string {
  const files: { caFile?: string; certFile?: string } = typeof ssl === 'object' ? ssl : {};
  // The broker sent an alert: it refused what this client showed (its certificate), or speaks no TLS there.
  if (/alert/.test(message) && files.certFile) return `check kafka.ssl.certFile (${files.certFile}): the broker did not accept this client certificate`;
  if (/wrong version number|alert/i.test(message)) return 'check kafka.brokers: do they name the brokers\' TLS listener?';
  return files.caFile ? `check kafka.ssl.caFile (${files.caFile}): is it the CA that signed the broker's certificate?`
    : 'kafka.ssl verifies the broker against the system CAs; set kafka.ssl.caFile to the CA that signed its certificate';
}

/**
 * On SIGTERM or SIGINT, runs `stop` (which stops taking work and finishes what is in flight) and exits 0; if
 * it has not finished within `graceMs` the process exits 0 anyway, which closes every connection left (a
 * slow client's request is never answered, so its sender retries it; uncommitted work is redelivered). A
 * second signal exits at once, with 128 + the signal's number as a shell reports a killed process.
 */
/**
 * The opener of a view's consumer (the rules view, the backfill-jobs view): a group of its own per start,
 * deleted when the view stops, so process starts and CLI runs leave no groups on the broker.
 */
export function viewConsumerOpener(rt: Runtime, what: string): OpenConsumer {
  return throwawayConsumerOpener(rt.kafka, (group, err) =>
    rt.logger.warn({ group, err: String(err) }, `could not delete the ${what}'s consumer group; the broker removes it when it cleans up empty groups`));
}

export function onShutdown(logger: Logger, stop: () => Promise<void>, graceMs: number): void {
  let stopping = false;
  const exit = (code: number) => {
    logger.flush?.();
    process.exit(code);
  };
  const handler = (signal: 'SIGTERM' | 'SIGINT') => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now, without waiting for in-flight work');
      exit(signal === 'SIGINT' ? 130 : 143);
      return;
    }
    stopping = true;
    logger.info({ signal, graceMs }, 'stopping: finishing in-flight work');
    const cut = setTimeout(() => {
      logger.warn({ graceMs }, 'shutdown grace over: closing the connections left and exiting');
      exit(0);
    }, graceMs);
    stop().then(
      () => { clearTimeout(cut); logger.info('stopped cleanly'); exit(0); },
      (err) => { clearTimeout(cut); logger.error({ err: (err as Error).message }, 'stop failed'); exit(EXIT.internal); },
    );
  };
  process.on('SIGTERM', () => handler('SIGTERM'));
  process.on('SIGINT', () => handler('SIGINT'));
}
