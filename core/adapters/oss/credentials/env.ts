// Credentials from environment variables, read on every request (a lookup in an object): keys, or an STS
// triple when a token variable is named. Whoever rotates them in this process's environment (a wrapper that
// re-execs nothing, a test) is followed without a restart.
import { CrrError } from '../../../errors.ts';
import type { CredentialsProvider, OssCredentials } from '../../../ports/credentials.ts';

export interface EnvCredentialsOptions {
  accessKeyIdEnv: string;
  accessKeySecretEnv: string;
  securityTokenEnv?: string;
}

export function envCredentials(env: NodeJS.ProcessEnv, o: EnvCredentialsOptions): CredentialsProvider {
  const names = [o.accessKeyIdEnv, o.accessKeySecretEnv, ...(o.securityTokenEnv ? [o.securityTokenEnv] : [])];
  let held: OssCredentials | undefined;
  return {
    source: `environment ${names.join(', ')}`,
    current() {
      const accessKeyId = env[o.accessKeyIdEnv];
      const accessKeySecret = env[o.accessKeySecretEnv];
      const securityToken = o.securityTokenEnv ? env[o.securityTokenEnv] : undefined;
      if (!accessKeyId || !accessKeySecret || (o.securityTokenEnv && !securityToken)) {
        throw new CrrError(`OSS credentials: environment variable ${names.find((n) => !env[n])} is not set`, {
          code: 'CREDENTIALS_UNAVAILABLE', retriable: true, stage: 'config',
        });
      }
      // The same object while nothing changed: the transport keys its signer cache on it.
      if (!held || held.accessKeyId !== accessKeyId || held.accessKeySecret !== accessKeySecret || held.securityToken !== securityToken) {
        held = { accessKeyId, accessKeySecret, ...(securityToken ? { securityToken } : {}) };
      }
      return held;
    },
    refused() {
      // Nothing cached: every request reads the environment again.
    },
  };
}

/** Fixed credentials (tests, benchmarks, and callers that resolved them already). */
export function staticCredentials(c: OssCredentials): CredentialsProvider {
  const held = { ...c };
  return { source: `static key ${c.accessKeyId.slice(0, 4)}…`, current: () => held, refused: () => {} };
}
