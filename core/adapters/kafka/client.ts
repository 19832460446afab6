// The Kafka client factory: the one place that builds a kafkajs client. TLS and SASL options pass
// through untouched; the zstd codec is registered here so every producer and consumer has it. Callers get
// an opaque handle: consumers, producers, topics and offsets come from this folder's functions, never
// from kafkajs objects.
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import { bindKafkajs } from './kafkajs-handle.ts';
import { kafkaLogLevel, type KafkaLogLevel } from './log-levels.ts';
import { registerZstd } from './zstd-codec.ts';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: KafkaConfig['retry'];
  /** Where kafkajs's own log lines go, at the level they deserve (log-levels.ts: a rebalance is no error). */
  logger?: (level: KafkaLogLevel, message: string, extra: Record<string, unknown>) => void;
}

/** A connection to one Kafka cluster, for createConsumer, createProducer, ensureTopics, topicOffsets and the rest. */
export interface KafkaClient {
  readonly clientId: string;
  readonly brokers: readonly string[];
}

/**
 * kafkajs's retries for every client (consumer, producer, admin, and the reconnect inside each of their
 * attempts). Its default ceiling for one backoff sleep is 30 s, so a request begun during a broker outage slept
 * up to 30 s after the broker was back: an outcome publish stuck there held every queued outcome behind it,
 * and so the watermark of work long finished. Each sleep is capped at 5 s; 12 retries keep the give-up time of
 * one request about what it was (~35 s), which is when a consumer crashes and restarts.
 */
export const KAFKA_RETRY = { initialRetryTime: 100, maxRetryTime: 5000, retries: 12 } as const;

const levelNames: Record<number, KafkaLogLevel> = {
  [logLevel.ERROR]: 'error', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'info', [logLevel.DEBUG]: 'debug',
};

export function createKafka(opts: KafkaClientOptions): KafkaClient {
  registerZstd();
  const sink = opts.logger;
  const kafka = new Kafka({
    brokers: opts.brokers,
    clientId: opts.clientId,
    ssl: opts.ssl,
    sasl: opts.sasl,
    connectionTimeout: opts.connectionTimeoutMs ?? 3000,
    requestTimeout: opts.requestTimeoutMs ?? 30_000,
    retry: opts.retry ?? { ...KAFKA_RETRY },
    logLevel: sink ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => ({ level, log }) => {
      const { message, ...extra } = log;
      sink?.(kafkaLogLevel(levelNames[level] ?? 'info', String(message), extra), String(message), extra);
    },
  });
  return bindKafkajs({ clientId: opts.clientId, brokers: [...opts.brokers] }, kafka);
}
