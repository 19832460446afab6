// The demo's ending: wait until the destination has converged (or a minute has passed), then print the
// verification of the destination against the source, key by key, and the mean replication delay.
import type { CrrMetrics } from '../../../core/metrics/metrics.ts';
import type { VerifyReport } from '../../../processors/verify.ts';

export async function awaitConvergence(verify: () => Promise<VerifyReport>, timeoutMs = 60_000): Promise<VerifyReport> {
  let report = await verify();
  const deadline = Date.now() + timeoutMs;
  while (report.differences.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    report = await verify();
  }
  return report;
}

export async function printReport(report: VerifyReport, names: { source: string; destination: string }, metrics: CrrMetrics,
  say: (line: string) => void): Promise<void> {
  say('');
  say(`verification of ${names.source} against ${names.destination}: compared ${report.compared} keys (content crc64, content headers, user metadata, tags, ACL)`);
  say(`  in sync: ${report.inSync}; missing in destination: ${report.onlyInSource}; only in destination: ${report.onlyInDestination}; differing: ${report.differing}`);
  for (const d of report.differences.slice(0, 10)) say(`  - ${d.key}: ${d.problem}`);
  const values = (await metrics.replicationDelay.get()).values;
  const sum = values.find((v) => v.metricName === 'crr_replication_delay_seconds_sum');
  const count = values.find((v) => v.metricName === 'crr_replication_delay_seconds_count');
  if (sum && count && count.value > 0) say(`  mean delay from source change to destination in sync: ${((sum.value / count.value) * 1000).toFixed(0)} ms over ${count.value} reconciles`);
}
