// The admin endpoint: `GET|PUT /-/admin/faults` reads or replaces the fault configuration (JSON).
// Authentication: `Authorization: Bearer <accessKeySecret>` of any configured key.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { safeEqual } from './auth/v1.ts';
import type { Credential } from './auth/authenticate.ts';
import type { FaultConfig, Faults } from './faults.ts';
import { readSmallBody } from './http-util.ts';

export const ADMIN_PREFIX = '/-/admin/';

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, keys: Credential[], faults: Faults): Promise<void> {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  if (!keys.some((k) => safeEqual(k.accessKeySecret, token))) return json(res, 403, { error: 'AccessDenied' });
  const path = (req.url ?? '').split('?')[0];
  if (path !== `${ADMIN_PREFIX}faults`) return json(res, 404, { error: 'NotFound' });
  if (req.method === 'GET') return json(res, 200, faults.config);
  if (req.method === 'PUT') {
    let config: FaultConfig;
    try {
      config = JSON.parse((await readSmallBody(req, 1024 * 1024)).toString('utf8') || '{}') as FaultConfig;
    } catch {
      return json(res, 400, { error: 'InvalidJSON' });
    }
    if (!config || typeof config !== 'object' || Array.isArray(config)) return json(res, 400, { error: 'InvalidJSON' });
    faults.config = config;
    return json(res, 200, faults.config);
  }
  return json(res, 405, { error: 'MethodNotAllowed' });
}
