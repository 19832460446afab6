// Runs one local OSS server as a process:
//   node --import tsx deploy/local/oss/cli.ts --region oss-cn-hangzhou --port 9001 --data DIR --key AK:SECRET[:principal]
//     [--key ...] [--credential JSON ...] [--webhook URL[#token]] [--event-log FILE] [--faults JSON] [--account-id ID]
//     [--host-name NAME ...] [--forbid-path-style] [--tls-cert FILE --tls-key FILE] [--webhook-retry JSON]
// --credential takes {"accessKeyId","accessKeySecret","principalId"?,"securityToken"?,"expiration"?} (an STS
// credential when it has a securityToken). --host-name replaces the names virtual-hosted requests may use
// (default: localhost and <region>.aliyuncs.com); --forbid-path-style refuses path-style bucket requests
// (403 SecondLevelDomainForbidden, as real OSS); --tls-cert/--tls-key (PEM) serve HTTPS. --webhook-retry takes
// {"attempts","initialBackoffMs","maxBackoffMs","timeoutMs"} (any of them): how often an event a webhook answers
// with a 5xx is sent before it is parked (GET /-/admin/events/parked, <data>/events-parked.jsonl).
// Prints `listening on http://localhost:PORT` (https:// with TLS) when ready; SIGTERM/SIGINT stop it cleanly.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { normalizeCredential } from './auth/credentials.ts';
import { startOssServer, type FaultConfig, type OssCredential, type WebhookRetryPolicy, type WebhookTarget } from './server.ts';

function fail(msg: string): never {
  console.error(msg);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      region: { type: 'string', default: 'oss-cn-hangzhou' },
      port: { type: 'string', default: '9001' },
      host: { type: 'string', default: '127.0.0.1' },
      data: { type: 'string' },
      key: { type: 'string', multiple: true },
      credential: { type: 'string', multiple: true },
      webhook: { type: 'string', multiple: true },
      'webhook-retry': { type: 'string' },
      'event-log': { type: 'string' },
      faults: { type: 'string' },
      'account-id': { type: 'string' },
      'host-name': { type: 'string', multiple: true },
      'forbid-path-style': { type: 'boolean', default: false },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
    },
  }));
} catch (err) {
  fail((err as Error).message);
}

if (!values.data) fail('--data DIR is required');
const credentials: OssCredential[] = (values.key ?? []).map((k) => {
  const [accessKeyId, accessKeySecret, principalId] = k.split(':');
  if (!accessKeyId || !accessKeySecret) fail('--key must be AK:SECRET[:principal]');
  return { accessKeyId, accessKeySecret, principalId };
});
for (const text of values.credential ?? []) {
  try {
    credentials.push(normalizeCredential(JSON.parse(text) as OssCredential));
  } catch (err) {
    fail(`--credential must be a JSON credential: ${(err as Error).message}`);
  }
}
if (!credentials.length) fail('at least one --key AK:SECRET (or --credential) is required');
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
let webhookRetry: Partial<WebhookRetryPolicy> | undefined;
if (values['webhook-retry']) {
  try {
    webhookRetry = JSON.parse(values['webhook-retry']) as Partial<WebhookRetryPolicy>;
  } catch {
    fail('--webhook-retry must be JSON');
  }
  for (const [k, v] of Object.entries(webhookRetry ?? {})) {
    if (!['attempts', 'initialBackoffMs', 'maxBackoffMs', 'timeoutMs', 'unavailableWarnAfterMs'].includes(k)) fail(`--webhook-retry has no field "${k}"`);
    if (!Number.isInteger(v) || (v as number) < (k === 'attempts' ? 1 : 0)) fail(`--webhook-retry.${k} must be a whole number${k === 'attempts' ? ' from 1' : ''}`);
  }
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be a TCP port, got "${values.port}"`);
let tls: { cert: Buffer; key: Buffer } | undefined;
if (values['tls-cert'] || values['tls-key']) {
  if (!values['tls-cert'] || !values['tls-key']) fail('--tls-cert and --tls-key go together');
  try {
    tls = { cert: readFileSync(values['tls-cert']), key: readFileSync(values['tls-key']) };
  } catch (err) {
    fail(`cannot read the TLS certificate or key: ${(err as Error).message}`);
  }
}

let server;
try {
  server = await startOssServer({
    region: values.region as string, port, host: values.host, dataDir: values.data, credentials, webhooks,
    eventLogFile: values['event-log'], faults, accountId: values['account-id'], hostNames: values['host-name'],
    forbidPathStyle: values['forbid-path-style'], tls, webhookRetry,
  });
} catch (err) {
  fail(`cannot start the local OSS server: ${(err as Error).message}`);
}
console.log(`listening on ${server.endpoint}`);
let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void server.stop().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
