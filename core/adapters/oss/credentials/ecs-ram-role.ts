// The ECS instance RAM role: temporary credentials from the instance metadata service
// (http://100.100.100.200/latest/meta-data/ram/security-credentials/<role>; the base URL is configurable so a
// test can serve it on loopback). Hardened mode first (a session token from PUT /latest/api/token, as ECS
// requires when the instance enforces it), plain GET when the service has no token API. Credentials are
// refreshed in the background ahead of their expiration (5 min, or a quarter of a short lifetime) and at once
// after OSS refused them; while a refresh is under way requests keep the held ones, until they expire.
import { CrrError } from '../../../errors.ts';
import type { CredentialsProvider, OssCredentials } from '../../../ports/credentials.ts';

export interface EcsRamRoleOptions {
  /** Default http://100.100.100.200. */
  metadataUrl?: string;
  /** The role's name; when absent, the one role attached to the instance (listed by the service). */
  role?: string;
  timeoutMs?: number;
  now?: () => number;
}

export const ECS_METADATA_URL = 'http://100.100.100.200';
const TOKEN_TTL_SECONDS = 21_600;
const ROLE_PATH = '/latest/meta-data/ram/security-credentials/';

function unavailable(message: string, cause?: unknown): CrrError {
  return new CrrError(`OSS credentials: ECS RAM role: ${message}`, { code: 'CREDENTIALS_UNAVAILABLE', retriable: true, stage: 'config', cause });
}

export function ecsRamRoleCredentials(o: EcsRamRoleOptions = {}): CredentialsProvider {
  const base = (o.metadataUrl ?? ECS_METADATA_URL).replace(/\/+$/, '');
  const timeoutMs = o.timeoutMs ?? 5000;
  const now = o.now ?? Date.now;
  let held: OssCredentials | undefined;
  let refreshAt = -Infinity;
  let inFlight: Promise<OssCredentials> | undefined;

  const get = async (path: string, headers: Record<string, string>): Promise<Response> =>
    fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(timeoutMs) });

  async function sessionHeaders(): Promise<Record<string, string>> {
    const res = await fetch(`${base}/latest/api/token`, { method: 'PUT', headers: { 'X-aliyun-ecs-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) },
      signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return {}; // no hardened mode on this service
    return { 'X-aliyun-ecs-metadata-token': (await res.text()).trim() };
  }

  async function fetchCredentials(): Promise<OssCredentials> {
    let headers: Record<string, string>;
    try {
      headers = await sessionHeaders();
    } catch (err) {
      throw unavailable(`metadata service ${base} unreachable: ${(err as Error).message}`, err);
    }
    let role = o.role;
    if (!role) {
      const res = await get(ROLE_PATH, headers);
      if (!res.ok) throw unavailable(`listing the instance's roles answered HTTP ${res.status}`);
      role = (await res.text()).split('\n').map((s) => s.trim()).find(Boolean);
      if (!role) throw unavailable('no RAM role is attached to this instance');
    }
    const res = await get(`${ROLE_PATH}${encodeURIComponent(role)}`, headers);
    if (!res.ok) throw unavailable(`role ${role} answered HTTP ${res.status}`);
    const doc = (await res.json()) as Record<string, unknown>;
    const { AccessKeyId: id, AccessKeySecret: secret, SecurityToken: token, Expiration: exp } = doc;
    if (doc.Code !== undefined && doc.Code !== 'Success') throw unavailable(`role ${role} answered Code ${String(doc.Code)}`);
    if (typeof id !== 'string' || typeof secret !== 'string' || typeof token !== 'string' || typeof exp !== 'string' || Number.isNaN(Date.parse(exp))) {
      throw unavailable(`role ${role} answered without AccessKeyId, AccessKeySecret, SecurityToken and Expiration`);
    }
    const expiration = Date.parse(exp);
    const fetchedAt = now();
    refreshAt = expiration - Math.min(5 * 60_000, Math.max(0, expiration - fetchedAt) / 4);
    held = { accessKeyId: id, accessKeySecret: secret, securityToken: token, expiration };
    return held;
  }

  const refresh = (): Promise<OssCredentials> => {
    inFlight ??= fetchCredentials().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  return {
    source: `ECS RAM role ${o.role ?? '(the instance role)'} at ${base}`,
    current() {
      const t = now();
      if (held && t < refreshAt) return held;
      if (held && held.expiration !== undefined && t < held.expiration) {
        // Due, not yet expired: refresh behind the requests; a failure leaves the held ones until they expire.
        refresh().catch(() => {
          refreshAt = now() + 1000;
        });
        return held;
      }
      return refresh();
    },
    refused() {
      held = undefined;
      refreshAt = -Infinity;
    },
  };
}
