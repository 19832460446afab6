// The level a kafkajs log line deserves. kafkajs logs a routine rebalance or a coordinator that moved at
// error level (a heartbeat answered REBALANCE_IN_PROGRESS, a commit sent to the old coordinator), so a
// healthy bus's log would read like an outage. This table lowers what the client heals by itself and keeps
// error for what needs a person (a refused login, a crash, a failed send after its retries).

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug';

interface Routine {
  /** Matched against the line's message and its `error` field (kafkajs puts the broker's answer there). */
  match: RegExp;
  level: KafkaLogLevel;
  why: string;
}

export const ROUTINE_KAFKA_LOGS: readonly Routine[] = [
  { match: /The group is rebalancing/, level: 'info', why: 'a member joined or left: every member re-joins (REBALANCE_IN_PROGRESS)' },
  { match: /Specified group generation id is not valid/, level: 'info', why: 'a request from the generation before a rebalance (ILLEGAL_GENERATION); the member re-joins' },
  { match: /Consumer has joined the group/, level: 'info', why: 'the end of a rebalance' },
  { match: /This is not the correct coordinator for this group|The group coordinator is not available|The coordinator is loading/, level: 'warn',
    why: 'the group coordinator moved to another broker (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS); kafkajs finds the new one' },
  { match: /The coordinator is not aware of this member/, level: 'warn', why: 'the member was dropped from the group (UNKNOWN_MEMBER_ID), e.g. after a long pause; it re-joins' },
  { match: /This server is not the leader for that topic-partition|There is no leader for this topic-partition|The leader epoch in the request is/, level: 'warn',
    why: 'partition leadership moved (a broker restarted); kafkajs refreshes metadata and retries' },
  { match: /^Failed to connect to (seed broker, trying another broker|broker, reconnecting)/, level: 'warn',
    why: 'a connection attempt inside kafkajs\'s retries (a broker restarting); when the retries run out the failure is an error of its own' },
  { match: /The fetch session ID was not found/, level: 'info', why: 'the broker forgot an incremental fetch session; a full fetch follows' },
  { match: /^(Pausing|Resuming) fetching from/, level: 'debug', why: 'the runner pauses partitions for back-pressure all the time' },
];

/** The level to log a kafkajs line at: lowered for a routine event, kafkajs's own level otherwise. */
export function kafkaLogLevel(level: KafkaLogLevel, message: string, extra: Record<string, unknown>): KafkaLogLevel {
  // A crash names its cause in the message (`Crash: KafkaJSNumberOfRetriesExceeded: The group is rebalancing…`):
  // the retries are spent, so it stays what kafkajs says.
  if (NEEDS_A_PERSON.test(message)) return level;
  const detail = typeof extra.error === 'string' ? extra.error : '';
  const routine = ROUTINE_KAFKA_LOGS.find((r) => r.match.test(message) || (detail !== '' && r.match.test(detail)));
  if (!routine) return level;
  // Only ever lowered: a routine line kafkajs already logs at debug stays there.
  return rank[routine.level] < rank[level] ? routine.level : level;
}

const NEEDS_A_PERSON = /^(Crash|Restarting the consumer)\b/;

const rank: Record<KafkaLogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
