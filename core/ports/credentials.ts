// The key an OSS endpoint signs with, as a port: long-lived keys, an STS triple that rotates (RAM role),
// or the ECS instance's RAM role. The transport asks for the current credentials on every request, so a
// provider answers from what it holds and fetches only when that is stale. Never log what it returns.

export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  /** An STS token: sent as x-oss-security-token. */
  securityToken?: string;
  /** When STS credentials stop working (epoch ms), when known. */
  expiration?: number;
}

export interface CredentialsProvider {
  /** Where the credentials come from, without any secret (e.g. `file /run/oss/sts.json`): names pools and errors. */
  readonly source: string;
  /** The credentials to sign the next request with: a value when held, a promise only when a fetch is due. */
  current(): OssCredentials | Promise<OssCredentials>;
  /** OSS refused the credentials as expired or unknown: the next current() looks again at their source. */
  refused(): void;
}
