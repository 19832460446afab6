// Waiting for a stack's rules to converge: verify each until none shows a difference, or give up with
// the last differences in the message.
import type { VerifyReport } from '../../../processors/verify.ts';

export async function waitConverged(stack: { verify(ruleId: string): Promise<VerifyReport> }, ruleIds: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let last: { rule: string; report: VerifyReport } | undefined;
    for (const ruleId of ruleIds) {
      const report = await stack.verify(ruleId);
      if (report.differences.length) {
        last = { rule: ruleId, report };
        break;
      }
    }
    if (!last) return;
    if (Date.now() > deadline) {
      throw new Error(`rule ${last.rule} did not converge in ${timeoutMs} ms: ${last.report.differences.length} differences, e.g. ` +
        JSON.stringify(last.report.differences.slice(0, 5)));
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
