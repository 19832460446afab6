// crr demo (`npm start`): the quickstart on embedded defaults. Starts a local Kafka broker and two
// local OSS servers as two regions, runs capture and processing in this process, drives a demo
// workload on the source bucket with live progress, then verifies source against destination.
import { showProgress } from './progress.ts';
import { awaitConvergence, printReport } from './report.ts';
import { DEMO_RULE, startDemoStack } from './stack.ts';
import { runWorkload, workloadSize } from './workload.ts';

export async function demoCommand(opts: { objects: string }): Promise<void> {
  const objects = Number(opts.objects);
  if (!Number.isInteger(objects) || objects < 1) {
    process.stderr.write(`--objects must be a positive whole number, got "${opts.objects}"\n`);
    process.exit(2);
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  say('crr demo: starting the local stack (first start fetches Kafka from Maven Central)');
  // KAFKA_BROKERS names a broker to use instead of starting the local one (the tests do this).
  const stack = await startDemoStack(process.env.KAFKA_BROKERS, say);
  const rule = stack.config.rules[0];

  const progress = showProgress(stack.metrics, stack.processings[0], (text) => process.stdout.write(text));
  progress.workload.total = workloadSize(objects);
  await runWorkload(stack.client('hangzhou', rule.source.bucket), objects, (done) => (progress.workload.done = done));
  const report = await awaitConvergence(() => stack.verify(DEMO_RULE));
  await progress.stop();
  await printReport(report, { source: rule.source.bucket, destination: rule.destination.bucket }, stack.metrics, say);

  await stack.stop();
  say(report.differences.length === 0 ? 'demo done: the destination equals the source.' : 'demo done: differences remain (see above).');
  process.exit(report.differences.length === 0 ? 0 : 1);
}
