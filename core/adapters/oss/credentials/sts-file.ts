// STS credentials from a JSON file that something else rewrites as the RAM role's token rotates (a sidecar,
// a Kubernetes secret, a cron job running `aliyun sts AssumeRole`): {AccessKeyId, AccessKeySecret,
// SecurityToken, Expiration}. The file is stat'ed at most once a second (and at once after OSS refused the
// token) and re-read only when its modification time or size changed, so requests stay cheap. A file caught
// half-written keeps the last good credentials in use.
import { readFileSync, statSync } from 'node:fs';
import { CrrError } from '../../../errors.ts';
import type { CredentialsProvider, OssCredentials } from '../../../ports/credentials.ts';

export interface StsFileOptions {
  /** How often the file's mtime is looked at; default 1000 ms. */
  checkEveryMs?: number;
  now?: () => number;
}

/** The credentials a file holds, or why it holds none (the message names no value). */
export function readStsFile(file: string): OssCredentials {
  const text = readFileSync(file, 'utf8');
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error('is not whole JSON'); // JSON.parse quotes the text, which holds secrets
  }
  if (!doc || typeof doc !== 'object') throw new Error('is not a JSON object');
  const field = (name: string) => {
    const v = doc[name];
    if (typeof v !== 'string' || !v) throw new Error(`${name} is missing or not a string`);
    return v;
  };
  const creds: OssCredentials = { accessKeyId: field('AccessKeyId'), accessKeySecret: field('AccessKeySecret'), securityToken: field('SecurityToken') };
  if (doc.Expiration !== undefined) {
    const at = Date.parse(String(doc.Expiration));
    if (Number.isNaN(at)) throw new Error('Expiration is not a date');
    creds.expiration = at;
  }
  return creds;
}

export function stsFileCredentials(file: string, o: StsFileOptions = {}): CredentialsProvider {
  const checkEveryMs = o.checkEveryMs ?? 1000;
  const now = o.now ?? Date.now;
  let held: OssCredentials | undefined;
  let stamp = '';
  let checkedAt = -Infinity;
  let lastProblem = '';
  const look = () => {
    checkedAt = now();
    let s: string;
    try {
      const st = statSync(file);
      s = `${st.mtimeMs}/${st.size}/${st.ino}`;
    } catch (err) {
      lastProblem = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      return;
    }
    if (s === stamp && held) return;
    try {
      held = readStsFile(file);
      stamp = s;
      lastProblem = '';
    } catch (err) {
      lastProblem = (err as Error).message; // half-written: the last good credentials stay, the next look tries again
    }
  };
  return {
    source: `STS file ${file}`,
    current() {
      if (now() - checkedAt >= checkEveryMs || !held) look();
      if (!held) {
        throw new CrrError(`OSS credentials: STS file ${file} holds no usable credentials (${lastProblem})`, {
          code: 'CREDENTIALS_UNAVAILABLE', retriable: true, stage: 'config',
        });
      }
      return held;
    },
    refused() {
      checkedAt = -Infinity;
    },
  };
}
