// Dead letters (Kafka Connect style): the original key, value and headers, plus error headers saying
// where the trigger came from and why it failed. Written with acks=all before the offset is committed.
import { describeError } from '../core/errors.ts';
import type { BusProducer, InboundMessage, OutgoingRecord } from '../core/ports/bus.ts';

export const DLQ_HEADER = {
  topic: 'crr.error.topic',
  partition: 'crr.error.partition',
  offset: 'crr.error.offset',
  stage: 'crr.error.stage',
  code: 'crr.error.code',
  className: 'crr.error.class',
  message: 'crr.error.message',
  rule: 'crr.error.rule',
  attempts: 'crr.error.attempts',
  time: 'crr.error.time',
} as const;

export interface DeadLetterReason { stage: string; error: unknown; ruleId?: string; attempts: number; now: number }

export function deadLetterRecord(msg: InboundMessage, reason: DeadLetterReason): OutgoingRecord {
  const err = describeError(reason.error);
  const headers: Record<string, string | Buffer> = {};
  for (const [name, value] of Object.entries(msg.headers)) if (value !== undefined && !name.startsWith('crr.error.')) headers[name] = value;
  Object.assign(headers, {
    [DLQ_HEADER.topic]: msg.topic,
    [DLQ_HEADER.partition]: String(msg.partition),
    [DLQ_HEADER.offset]: msg.offset,
    [DLQ_HEADER.stage]: reason.stage,
    [DLQ_HEADER.code]: err.code,
    [DLQ_HEADER.className]: err.className,
    [DLQ_HEADER.message]: err.message.slice(0, 2000),
    [DLQ_HEADER.attempts]: String(reason.attempts),
    [DLQ_HEADER.time]: String(reason.now),
    ...(reason.ruleId ? { [DLQ_HEADER.rule]: reason.ruleId } : {}),
  });
  return { key: msg.key ?? Buffer.alloc(0), value: msg.value, headers };
}

export class DeadLetters {
  constructor(private readonly producer: BusProducer, private readonly topic: string) {}

  async park(msg: InboundMessage, reason: DeadLetterReason): Promise<void> {
    await this.producer.send(this.topic, [deadLetterRecord(msg, reason)]);
  }
}
