// The crr command line: one entry, one subcommand per job. This is the only layer that reads the
// environment; everything below receives its clients, clock and metrics as arguments. Logs go to stderr,
// machine output (--json) to stdout; each command's help ends with examples and its exit codes.
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { EXIT, exitOnError, type ExitName } from './commands/exit-codes.ts';
import { commandHelp, exitCodesHelp } from './commands/help.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('crr').description('Cross-region replication bus for Alibaba Cloud OSS').version(version, '-V, --version', 'print the version')
  .showHelpAfterError()
  .addHelpText('after', `${exitCodesHelp(Object.keys(EXIT) as ExitName[])}\n\n`
    + 'Logs are JSON lines on stderr (CRR_LOG_LEVEL: debug, info, warn, error); --json output is on stdout.');
// Usage mistakes (an unknown option, a missing --config) exit 2 as bad usage, not commander's 1.
program.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : EXIT.usage));

const runs: ExitName[] = ['ok', 'usage', 'unreachable', 'authentication', 'internal'];

program.command('capture')
  .description('capture source changes (notification receiver and/or listing poller) into the changes topic')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--receiver', 'run only the notification receiver')
  .option('--poller', 'run only the listing poller')
  .addHelpText('after', commandHelp(['npx crr capture --config crr.yaml', 'npx crr capture --config crr.yaml --poller'], runs))
  .action(async (opts) => (await import('./commands/capture.ts')).captureCommand(opts));

program.command('process')
  .description('reconcile changed keys into destination buckets (a member of the processors\' consumer group)')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .addHelpText('after', commandHelp(['npx crr process --config crr.yaml', 'CRR_LOG_LEVEL=warn npx crr process --config crr.yaml'], runs))
  .action(async (opts) => (await import('./commands/process.ts')).processCommand(opts));

program.command('verify')
  .description('compare source and destination of each rule (the rules topic\'s and the file\'s); --repair publishes a trigger for every differing key')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--rule <id>', 'only this rule')
  .option('--repair', 'publish REPAIR triggers for the differences')
  .option('--json', 'one JSON report per rule and prefix on stdout (JSON lines), instead of text')
  .option('--origins', 'also list each replica\'s origin: the source\'s Last-Modified and owner (from the replica marker) beside the replica\'s own')
  .addHelpText('after', commandHelp([
    'npx crr verify --config crr.yaml',
    'npx crr verify --config crr.yaml --rule photos --json | jq .differences',
    'npx crr verify --config crr.yaml --rule photos --origins',
    'npx crr verify --config crr.yaml --repair',
  ], ['ok', 'differences', 'usage', 'unreachable', 'authentication', 'internal']))
  .action(async (opts) => (await import('./commands/verify.ts')).verifyCommand(opts));

program.command('dlq')
  .description('dead-letter topic tools')
  .command('replay')
  .description('re-publish dead letters as triggers on the changes topic; prints the counts as JSON on stdout')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--rule <id>', 'only dead letters of this rule')
  .addHelpText('after', commandHelp(['npx crr dlq replay --config crr.yaml', 'npx crr dlq replay --config crr.yaml --rule photos | jq .replayed'], runs))
  .action(async (opts) => (await import('./commands/dlq-replay.ts')).dlqReplayCommand(opts));

program.command('status')
  .description('per rule: last synchronization time, lag, changes per second; dead letters and backfill jobs (from Kafka alone)')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--rule <id>', 'only this rule')
  .option('--json', 'one JSON document on stdout (logs go to stderr)')
  .option('--watch', 'refresh every --interval (in place on a terminal, one report after another when piped)')
  .option('--serve <[host:]port>', 'serve /status (JSON), /metrics and / (a live HTML page)')
  .option('--interval <ms>', 'refresh interval for --watch and --serve', '2000')
  .addHelpText('after', commandHelp(['npx crr status --config crr.yaml', 'npx crr status --config crr.yaml --rule photos --json | jq .',
    'npx crr status --config crr.yaml --watch'], runs))
  .action(async (opts) => (await import('./commands/status/command.ts')).statusCommand(opts));

const rules = program.command('rules').description('the rules control plane: rules on the compacted rules topic, followed live by every capture, processor, verify and status')
  .addHelpText('after', commandHelp(['npx crr rules apply --config crr.yaml -f rules.yaml --dry-run', 'npx crr rules list --config crr.yaml --json | jq .',
    'npx crr rules pause photos --config crr.yaml'], runs));
rules.command('apply')
  .description('validate the rule set the file would leave (every constraint), print the diff and write the added and changed rules (a rule absent from the file is kept)')
  .requiredOption('-c, --config <file>', 'YAML config file (Kafka and the endpoints the rules name)')
  .requiredOption('-f, --file <rules.yaml>', 'a YAML file with a rules: list (a config file works)')
  .option('--dry-run', 'validate and print the diff; write nothing')
  .option('--json', 'the diff as one JSON document on stdout')
  .addHelpText('after', commandHelp(['npx crr rules apply --config crr.yaml -f rules.yaml --dry-run', 'npx crr rules apply --config crr.yaml -f rules.yaml',
    'npx crr rules apply --config crr.yaml -f rules.yaml --json | jq .added'], runs))
  .action(async (opts) => (await import('./commands/rules.ts')).rulesApplyCommand(opts));
rules.command('list')
  .description('the rules on the rules topic, with their state')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--json', 'one JSON array on stdout')
  .addHelpText('after', commandHelp(['npx crr rules list --config crr.yaml', 'npx crr rules list --config crr.yaml --json | jq \'.[] | select(.state == "PAUSED") | .id\''], runs))
  .action(async (opts) => (await import('./commands/rules.ts')).rulesListCommand(opts));
for (const [name, state, what] of [['pause', 'PAUSED', 'pause a rule: it is still captured, its triggers wait in the processors (nothing dead-lettered)'],
  ['resume', 'ACTIVE', 'resume a paused rule: its waiting triggers go on']] as const) {
  rules.command(`${name} <rule>`)
    .description(what)
    .requiredOption('-c, --config <file>', 'YAML config file')
    .addHelpText('after', commandHelp([`npx crr rules ${name} photos --config crr.yaml`], runs))
    .action(async (rule, opts) => (await import('./commands/rules.ts')).rulesStateCommand(state, { ...opts, rule }));
}
rules.command('delete <rule>')
  .description('delete a rule (a tombstone on the rules topic): capture refuses its bucket\'s events, processors stop its work')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .addHelpText('after', commandHelp(['npx crr rules delete photos --config crr.yaml'], runs))
  .action(async (rule, opts) => (await import('./commands/rules.ts')).rulesDeleteCommand({ ...opts, rule }));

const backfillExits: ExitName[] = ['ok', 'usage', 'unreachable', 'authentication', 'internal'];
const backfill = program.command('backfill').description('historical replication: copy what a rule\'s source already holds (jobs run in crr process)')
  .addHelpText('after', commandHelp(['npx crr backfill start --config crr.yaml --rule photos --wait', 'npx crr backfill status --config crr.yaml --json | jq .',
    'npx crr backfill pause photos-1a2b3c4d --config crr.yaml'], [...backfillExits, 'jobRunning']));
backfill.command('start')
  .description('start a backfill job for a rule (one job per rule at a time; exit 5 names the running one)')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .requiredOption('--rule <id>', 'the rule to backfill')
  .option('--prefix <p>', 'only keys under this prefix')
  .option('--compare <mode>', 'listing: skip keys whose listings match (etag, size); full: reconcile every source key', 'listing')
  .option('--wait', 'show progress until the job ends (a bar on a terminal, lines when piped)')
  .addHelpText('after', commandHelp(['npx crr backfill start --config crr.yaml --rule photos', 'npx crr backfill start --config crr.yaml --rule photos --prefix 2026/ --compare full --wait'],
    ['ok', 'differences', 'usage', 'unreachable', 'authentication', 'jobRunning', 'internal']))
  .action(async (opts) => (await import('./commands/backfill.ts')).backfillStartCommand(opts));
backfill.command('status')
  .description('the backfill jobs: state, percent, counts')
  .requiredOption('-c, --config <file>', 'YAML config file')
  .option('--job <id>', 'only this job')
  .option('--rule <id>', 'only this rule\'s jobs')
  .option('--json', 'print JSON')
  .addHelpText('after', commandHelp(['npx crr backfill status --config crr.yaml', 'npx crr backfill status --config crr.yaml --rule photos --json | jq \'.[0].percent\''], backfillExits))
  .action(async (opts) => (await import('./commands/backfill.ts')).backfillStatusCommand(opts));
for (const [name, request] of [['pause', 'PAUSE'], ['resume', 'RESUME'], ['cancel', 'CANCEL']] as const) {
  backfill.command(`${name} <jobId>`)
    .description(`${name} a backfill job`)
    .requiredOption('-c, --config <file>', 'YAML config file')
    .addHelpText('after', commandHelp([`npx crr backfill ${name} photos-1a2b3c4d --config crr.yaml`], backfillExits))
    .action(async (jobId, opts) => (await import('./commands/backfill.ts')).backfillRequestCommand(request, { ...opts, job: jobId }));
}

program.command('demo')
  .description('the quickstart: local Kafka, two local OSS regions, the pipeline and a demo workload')
  .option('--objects <n>', 'objects in the demo workload', '200')
  .addHelpText('after', commandHelp(['npm start', 'npx crr demo --objects 1000'], ['ok', 'differences', 'usage', 'internal']))
  .action(async (opts) => (await import('./commands/demo/command.ts')).demoCommand(opts));

// A failure outside a command's own await (a background task) ends the process the same way.
process.on('uncaughtException', exitOnError);
process.on('unhandledRejection', exitOnError);
await program.parseAsync(process.argv).catch(exitOnError);
