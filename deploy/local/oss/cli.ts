// Runs one local OSS server as a process:
//   node --import tsx deploy/local/oss/cli.ts --region oss-cn-hangzhou --port 9001 --data DIR --key AK:SECRET[:principal]
//     [--key ...] [--webhook URL[#token]] [--event-log FILE] [--faults JSON] [--account-id ID]
// Prints `listening on http://localhost:PORT` when ready; SIGTERM/SIGINT stop it cleanly.
import { parseArgs } from 'node:util';
import { startOssServer, type FaultConfig, type OssCredential, type WebhookTarget } from './server.ts';

const { values } = parseArgs({
  options: {
    region: { type: 'string', default: 'oss-cn-hangzhou' },
    port: { type: 'string', default: '9001' },
    host: { type: 'string', default: '127.0.0.1' },
    data: { type: 'string' },
    key: { type: 'string', multiple: true },
    webhook: { type: 'string', multiple: true },
    'event-log': { type: 'string' },
    faults: { type: 'string' },
    'account-id': { type: 'string' },
  },
});

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

if (!values.data) fail('--data DIR is required');
const credentials: OssCredential[] = (values.key ?? []).map((k) => {
  const [accessKeyId, accessKeySecret, principalId] = k.split(':');
  if (!accessKeyId || !accessKeySecret) fail('--key must be AK:SECRET[:principal]');
  return { accessKeyId, accessKeySecret, principalId };
});
if (!credentials.length) fail('at least one --key AK:SECRET is required');
const webhooks: WebhookTarget[] = (values.webhook ?? []).map((w) => {
  const hash = w.indexOf('#');
  return hash < 0 ? { url: w } : { url: w.slice(0, hash), token: w.slice(hash + 1) };
});
let faults: FaultConfig | undefined;
if (values.faults) {
  try {
    faults = JSON.parse(values.faults) as FaultConfig;
  } catch {
    fail('--faults must be JSON');
  }
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a TCP port, got "${values.port}"`);

const server = await startOssServer({
  region: values.region as string, port, host: values.host, dataDir: values.data, credentials, webhooks,
  eventLogFile: values['event-log'], faults, accountId: values['account-id'],
});
console.log(`listening on ${server.endpoint}`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void server.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
