// The keys a server accepts, changeable while it runs (admin endpoint): long-term access keys, and STS
// credentials (access key id, secret, security token, expiration) as STS AssumeRole and RAM roles hand out.
// The security-token rules are OSS's: a token must come with its own STS key, be the one issued with it,
// and be unexpired; a long-term key must come without one.
import { OssError } from '../errors.ts';
import { safeEqual } from './v1.ts';

export interface Credential {
  accessKeyId: string;
  accessKeySecret: string;
  principalId?: string;
  /** Present on STS credentials: requests must carry it (x-oss-security-token / security-token). */
  securityToken?: string;
  /** STS credentials: epoch ms after which OSS answers SecurityTokenExpired. */
  expiration?: number;
}

/** A credential as options, the CLI and the admin endpoint give it (expiration as ISO 8601 or epoch ms). */
export interface CredentialInput { accessKeyId: string; accessKeySecret: string; principalId?: string; securityToken?: string; expiration?: string | number | Date }

export class CredentialStore {
  private readonly keys = new Map<string, Credential>();
  /** The secrets of the keys given at start: the admin endpoint's bearer tokens, fixed for the run. */
  private readonly adminSecrets: string[];

  constructor(initial: CredentialInput[]) {
    for (const c of initial) this.put(c);
    this.adminSecrets = [...this.keys.values()].map((c) => c.accessKeySecret);
  }

  get(accessKeyId: string): Credential | undefined {
    return this.keys.get(accessKeyId);
  }

  /** Adds a credential, or replaces the one with the same access key id. Throws on a malformed one. */
  put(input: CredentialInput): Credential {
    const c = normalizeCredential(input);
    this.keys.set(c.accessKeyId, c);
    return c;
  }

  remove(accessKeyId: string): boolean {
    return this.keys.delete(accessKeyId);
  }

  /** What the admin endpoint shows: never a secret or a token. */
  list(): { accessKeyId: string; principalId?: string; sts: boolean; expiration?: string }[] {
    return [...this.keys.values()].map((c) => ({
      accessKeyId: c.accessKeyId, principalId: c.principalId, sts: c.securityToken !== undefined,
      expiration: c.expiration === undefined ? undefined : new Date(c.expiration).toISOString(),
    }));
  }

  isAdmin(bearer: string): boolean {
    return this.adminSecrets.some((s) => safeEqual(s, bearer));
  }

  /**
   * The key a signed request names, checked against the security token it carries, as OSS checks it:
   * unknown key, or a token with a long-term key, or an STS key without its token: InvalidAccessKeyId;
   * another STS key's token: AccessKeyIdAndSecurityTokenNotMatch; any other token: InvalidSecurityToken;
   * the right token past its expiration: SecurityTokenExpired. All 403.
   */
  resolve(accessKeyId: string, token: string | undefined, now: number): Credential {
    const cred = this.keys.get(accessKeyId);
    const unknown = () => new OssError('InvalidAccessKeyId', undefined, { extra: { OSSAccessKeyId: accessKeyId } });
    if (!cred) throw unknown();
    if (cred.securityToken === undefined) {
      if (token !== undefined) throw unknown();
      return cred;
    }
    if (token === undefined || token === '') throw unknown();
    if (!safeEqual(cred.securityToken, token)) {
      const other = [...this.keys.values()].some((c) => c.securityToken !== undefined && safeEqual(c.securityToken, token));
      throw new OssError(other ? 'AccessKeyIdAndSecurityTokenNotMatch' : 'InvalidSecurityToken');
    }
    if (cred.expiration !== undefined && now >= cred.expiration) throw new OssError('SecurityTokenExpired');
    return cred;
  }
}

/** Checks a credential and gives expiration as epoch ms; throws naming the bad field. */
export function normalizeCredential(input: CredentialInput): Credential {
  const bad = (field: string) => new Error(`credential: ${field} is missing or not valid`);
  if (!input || typeof input !== 'object') throw bad('the credential');
  const { accessKeyId, accessKeySecret, principalId, securityToken, expiration } = input;
  if (typeof accessKeyId !== 'string' || !accessKeyId || /[\s:]/.test(accessKeyId)) throw bad('accessKeyId');
  if (typeof accessKeySecret !== 'string' || !accessKeySecret) throw bad('accessKeySecret');
  if (principalId !== undefined && typeof principalId !== 'string') throw bad('principalId');
  if (securityToken !== undefined && (typeof securityToken !== 'string' || !securityToken)) throw bad('securityToken');
  let exp: number | undefined;
  if (expiration !== undefined) {
    exp = expiration instanceof Date ? expiration.getTime() : typeof expiration === 'number' ? expiration : Date.parse(expiration);
    if (!Number.isFinite(exp)) throw bad('expiration');
    if (securityToken === undefined) throw bad('securityToken (an expiration needs one)');
  }
  const c: Credential = { accessKeyId, accessKeySecret };
  if (principalId !== undefined) c.principalId = principalId;
  if (securityToken !== undefined) c.securityToken = securityToken;
  if (exp !== undefined) c.expiration = exp;
  return c;
}
