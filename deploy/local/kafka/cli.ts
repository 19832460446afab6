// crr-kafka: start | stop | status of the local Kafka broker, or of a local KRaft cluster (--brokers 3).
//   npm run kafka -- start [--brokers 3] [--secure] [--port 19092] [--version 4.4.0] [--data DIR]
//   npm run kafka -- status [--brokers 3]
//   npm run kafka -- stop [--brokers 3] [--wipe]
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { start, status, stop, DEFAULT_KAFKA_VERSION, type SecureListener } from './broker.ts';

const USAGE = `usage: npm run kafka -- start|status|stop [--brokers N] [--port P] [--version V] [--data DIR] [--secure] [--wipe]`;

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        brokers: { type: 'string', default: '1' },
        port: { type: 'string', default: process.env.KAFKA_PORT },
        version: { type: 'string', default: process.env.KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION },
        data: { type: 'string' },
        secure: { type: 'boolean', default: false },
        wipe: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false, short: 'h' },
      },
    });
  } catch (err) {
    // A mistyped flag is bad usage: a message and exit 2, not a stack trace.
    console.error(`${(err as Error).message.split('. ')[0]}\n${USAGE}`);
    process.exit(2);
  }
}
const { positionals, values } = parse();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const brokers = Number(values.brokers);
if (!Number.isInteger(brokers) || brokers < 1 || brokers > 9) {
  console.error(`--brokers must be a whole number from 1 to 9, got "${values.brokers}"`);
  process.exit(2);
}
const port = values.port === undefined ? undefined : Number(values.port);
if (port !== undefined && (!Number.isInteger(port) || port <= 0 || port > 65535 - 3 * brokers)) {
  console.error(`--port must be a TCP port number with room for ${3 * brokers} ports above it, got "${values.port}"`);
  process.exit(2);
}
const opts = { brokers, port, version: values.version, dataDir: values.data, secure: values.secure, log: (l: string) => console.log(l) };

/** Where to find the secured listener; the passwords stay in their 0600 file, never on the terminal. */
function describeSecure(s: SecureListener, dataDir: string): string {
  return [
    `SASL_SSL on ${s.brokers}; CA (PEM) ${s.caFile}`,
    `users: ${s.scram.username} (SCRAM-SHA-512, SCRAM-SHA-256), ${s.plain.username} (PLAIN); passwords in ${join(dataDir, 'secure-users.json')}`,
  ].join('\n');
}

const command = positionals[0] ?? 'status';
try {
  if (command === 'start') {
    const t0 = Date.now();
    const info = await start(opts);
    if (!info.alreadyRunning) console.log(`started in ${((Date.now() - t0) / 1000).toFixed(1)} s; KAFKA_BROKERS=${info.brokers}`);
    if (info.secure) console.log(describeSecure(info.secure, info.dataDir));
  } else if (command === 'stop') {
    await stop({ ...opts, wipe: values.wipe });
  } else if (command === 'status') {
    const s = await status(opts);
    if (s.nodes.length === 1) console.log(s.running ? `running on ${s.brokers} (pid ${s.pid})` : `not running on ${s.brokers}`);
    else for (const n of s.nodes) console.log(`node ${n.id}: ${n.running ? `running on ${n.brokers} (pid ${n.pid})` : `not running on ${n.brokers}`}`);
    if (s.secure) console.log(`SASL_SSL on ${s.secure.brokers}; CA (PEM) ${s.secure.caFile}`);
    process.exitCode = s.running ? 0 : 3;
  } else {
    console.error(`unknown command "${command}": use start, stop or status`);
    process.exitCode = 2;
  }
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
