// The status report as plain text: one line per rule, then the changes topic, dead letters and jobs.
import type { StatusReport } from '../../../processors/status/read-status.ts';

const seconds = (s: number | null) => (s === null ? '?' : s < 120 ? `${s.toFixed(1)} s` : s < 7200 ? `${(s / 60).toFixed(1)} min` : `${(s / 3600).toFixed(1)} h`);
const rate = (r: number | null) => (r === null ? '?' : r.toFixed(1));

export function renderStatus(r: StatusReport): string {
  const lines = [`crr status at ${r.at}${r.kafka.reachable ? '' : `  KAFKA UNREACHABLE (${r.kafka.error ?? 'no answer'}): values held from the last answer`}`];
  const width = Math.max(4, ...r.rules.map((x) => x.rule.length));
  lines.push(`${'rule'.padEnd(width)}  last synchronization      lag        lag msgs  changes/s`);
  for (const x of r.rules) {
    lines.push(`${x.rule.padEnd(width)}  ${(x.replicatedUntil ?? 'unknown').padEnd(24)}  ${seconds(x.lagSeconds).padEnd(9)}  ${String(x.lagMessages).padStart(8)}  ${rate(x.changesPerSecond).padStart(9)}`);
  }
  lines.push(`changes topic ${r.changes.topic} (group ${r.changes.groupId}): ${r.changes.lagMessages} messages not committed, ${rate(r.changes.changesPerSecond)} changes/s`);
  lines.push(`dead letters on ${r.deadLetters.topic}: ${r.deadLetters.count}`);
  if (r.jobs.length === 0) lines.push('backfill jobs: none');
  for (const j of r.jobs) {
    const dead = typeof j.deadLettered === 'number' && j.deadLettered > 0 ? `, ${j.deadLettered} dead-lettered` : '';
    lines.push(`backfill ${j.jobId} (${j.rule}): ${j.state}${j.percent === null ? '' : `, ${j.percent.toFixed(1)} %`}${dead}${j.error ? `: ${String(j.error)}` : ''}`);
  }
  return lines.join('\n');
}
