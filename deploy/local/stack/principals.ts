// The two identities of every local stack: the application, whose writes on a source are changes to
// capture, and the replicator the processors sign as, whose writes are echoes that capture drops.
import { randomBytes } from 'node:crypto';

export interface Principal { accessKeyId: string; accessKeySecret: string; principalId: string }

export interface Principals { user: Principal; replicator: Principal }

export const USER_PRINCIPAL = 'app-user';
export const REPLICATOR_PRINCIPAL = 'crr-replicator';

/** Fresh secrets for each run: a stack's keys never outlive it. */
export function makePrincipals(): Principals {
  const make = (id: string): Principal => ({ accessKeyId: id, accessKeySecret: randomBytes(16).toString('hex'), principalId: id });
  return { user: make(USER_PRINCIPAL), replicator: make(REPLICATOR_PRINCIPAL) };
}
