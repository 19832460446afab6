// The admin endpoint (not part of OSS; tests and demos steer the server through it). JSON in and out.
//   GET|PUT  /-/admin/faults                   read or replace the fault configuration (FaultConfig)
//   GET      /-/admin/credentials              the keys in force: access key id, principal, sts, expiration
//   PUT      /-/admin/credentials              add, or replace by access key id, one credential or an array of
//                                              them: { accessKeyId, accessKeySecret, principalId?, securityToken?,
//                                              expiration? (ISO 8601 or epoch ms) }; answers the keys in force
//   DELETE   /-/admin/credentials/<accessKeyId> remove a key (204; 404 if unknown)
//   GET      /-/admin/events/parked             events the webhooks gave up on, oldest first: { url, reason (refused |
//                                              failed), status, answer, attempts, parkedAt, event }
//   DELETE   /-/admin/events/parked             forget them (answers { cleared: n })
//   GET      /-/admin/events/queues             each webhook queue: { url, backlog, delivered, parked,
//                                              unavailableSince (ISO or null), lastStatus, lastAnswer }
// Authentication: `Authorization: Bearer <accessKeySecret>` of a key given at start (options or --key); keys
// added later do not open the admin endpoint, so rotating credentials never locks a test out. Secrets and
// tokens are never answered.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { normalizeCredential, type CredentialInput, type CredentialStore } from './auth/credentials.ts';
import type { FaultConfig, Faults } from './faults.ts';
import type { EventPublisher } from './events/publisher.ts';
import { readSmallBody } from './http-util.ts';

export const ADMIN_PREFIX = '/-/admin/';

function json(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'content-length': '0' });
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  try {
    return JSON.parse((await readSmallBody(req, 1024 * 1024)).toString('utf8') || 'null') as unknown;
  } catch {
    return undefined;
  }
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, keys: CredentialStore, faults: Faults,
  events: EventPublisher): Promise<void> {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  if (!keys.isAdmin(token)) return json(res, 403, { error: 'AccessDenied' });
  const path = (req.url ?? '').split('?')[0];
  if (path === `${ADMIN_PREFIX}events/parked`) {
    if (req.method === 'GET') return json(res, 200, events.parked());
    if (req.method !== 'DELETE') return json(res, 405, { error: 'MethodNotAllowed' });
    return json(res, 200, { cleared: await events.clearParked() });
  }
  if (path === `${ADMIN_PREFIX}events/queues`) {
    if (req.method !== 'GET') return json(res, 405, { error: 'MethodNotAllowed' });
    return json(res, 200, events.queueStates());
  }
  if (path === `${ADMIN_PREFIX}faults`) {
    if (req.method === 'GET') return json(res, 200, faults.config);
    if (req.method !== 'PUT') return json(res, 405, { error: 'MethodNotAllowed' });
    const config = await readJson(req);
    if (!config || typeof config !== 'object' || Array.isArray(config)) return json(res, 400, { error: 'InvalidJSON' });
    faults.config = config as FaultConfig;
    return json(res, 200, faults.config);
  }
  if (path === `${ADMIN_PREFIX}credentials`) {
    if (req.method === 'GET') return json(res, 200, keys.list());
    if (req.method !== 'PUT') return json(res, 405, { error: 'MethodNotAllowed' });
    const body = await readJson(req);
    const items = Array.isArray(body) ? body : [body];
    if (body === undefined || body === null || items.length === 0) return json(res, 400, { error: 'InvalidJSON' });
    try {
      // Validate all before changing any, so a bad item leaves the keys as they were.
      for (const item of items) normalizeCredential(item as CredentialInput);
    } catch (err) {
      return json(res, 400, { error: 'InvalidCredential', message: (err as Error).message });
    }
    for (const item of items) keys.put(item as CredentialInput);
    return json(res, 200, keys.list());
  }
  if (path.startsWith(`${ADMIN_PREFIX}credentials/`)) {
    if (req.method !== 'DELETE') return json(res, 405, { error: 'MethodNotAllowed' });
    let ak: string;
    try {
      ak = decodeURIComponent(path.slice(`${ADMIN_PREFIX}credentials/`.length));
    } catch {
      return json(res, 400, { error: 'InvalidAccessKeyId' });
    }
    return keys.remove(ak) ? json(res, 204) : json(res, 404, { error: 'NoSuchAccessKey' });
  }
  return json(res, 404, { error: 'NotFound' });
}
