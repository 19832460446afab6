// The crr command line: one entry, one subcommand per job. This is the only layer that reads the
// environment; everything below receives its clients, clock and metrics as arguments.
import { Command } from 'commander';

const program = new Command('crr').description('Cross-region replication bus for Alibaba Cloud OSS').showHelpAfterError();

program.command('capture')
  .description('capture source changes (notification receiver and/or listing poller) into the changes topic')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--receiver', 'run only the notification receiver')
  .option('--poller', 'run only the listing poller')
  .action(async (opts) => (await import('./commands/capture.ts')).captureCommand(opts));

program.command('demo')
  .description('the quickstart: local Kafka, two local OSS regions, the pipeline and a demo workload')
  .option('--objects <n>', 'objects in the demo workload', '200')
  .action(async (opts) => (await import('./commands/demo.ts')).demoCommand(opts));

await program.parseAsync(process.argv);
