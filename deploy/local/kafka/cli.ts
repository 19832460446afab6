// crr-kafka: start | stop | status of the local single-node Kafka broker.
//   npm run kafka -- start [--port 19092] [--version 4.1.1] [--data DIR]
import { parseArgs } from 'node:util';
import { start, status, stop, DEFAULT_KAFKA_VERSION } from './broker.ts';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    port: { type: 'string', default: process.env.KAFKA_PORT ?? '19092' },
    version: { type: 'string', default: process.env.KAFKA_VERSION ?? DEFAULT_KAFKA_VERSION },
    data: { type: 'string' },
    wipe: { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65534) {
  console.error(`--port must be a TCP port number, got "${values.port}"`);
  process.exit(2);
}
const opts = { port, version: values.version, dataDir: values.data, log: (l: string) => console.log(l) };
const command = positionals[0] ?? 'status';
try {
  if (command === 'start') {
    const t0 = Date.now();
    const info = await start(opts);
    if (!info.alreadyRunning) console.log(`started in ${((Date.now() - t0) / 1000).toFixed(1)} s; KAFKA_BROKERS=${info.brokers}`);
  } else if (command === 'stop') {
    await stop({ ...opts, wipe: values.wipe });
  } else if (command === 'status') {
    const s = await status(opts);
    console.log(s.running ? `running on ${s.brokers} (pid ${s.pid})` : `not running on ${s.brokers}`);
    process.exitCode = s.running ? 0 : 3;
  } else {
    console.error(`unknown command "${command}": use start, stop or status`);
    process.exitCode = 2;
  }
} catch (err) {
  console.error((err as Error).message);
  process.exitCode = 1;
}
