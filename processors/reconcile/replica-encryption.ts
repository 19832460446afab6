// Which server-side encryption a replica must have, as OSS's replication decides it: SSE-OSS (AES256, SM4)
// keeps its algorithm, SSE-KMS is replicated only under a rule that says so and names the replica's key
// (OSS's SseKmsEncryptedObjects and ReplicaKmsKeyID), and the rule's destination.encryption overrides the
// rest. Pure; the planner and `crr verify` both ask it.
import type { Encryption, ObjectState, RuleView } from './types.ts';

/** What a rule says about encryption (a RuleView has all of it). */
export type EncryptionRule = Pick<RuleView, 'encryption' | 'replicaKmsKeyId'>;

/**
 * `replicate` with the encryption the replica's write states (none: the destination bucket's default applies),
 * or `skip-kms`: the source is SSE-KMS encrypted and the rule does not replicate such objects, so it is neither
 * decrypted into a plain replica nor re-encrypted with a key nobody named.
 */
export type ReplicaEncryption = { kind: 'replicate'; encryption?: Encryption } | { kind: 'skip-kms' };

export function replicaEncryption(source: Pick<ObjectState, 'encryption'>, rule: EncryptionRule): ReplicaEncryption {
  const enc = source.encryption;
  if (enc?.algorithm === 'KMS') {
    // The replica key wins over destination.encryption: it is the key the rule names for exactly these objects.
    if (!rule.replicaKmsKeyId) return { kind: 'skip-kms' };
    const kms: Encryption = { algorithm: 'KMS', keyId: rule.replicaKmsKeyId };
    if (enc.dataEncryption) kms.dataEncryption = enc.dataEncryption;
    return { kind: 'replicate', encryption: kms };
  }
  if (rule.encryption) return { kind: 'replicate', encryption: rule.encryption };
  if (enc) return { kind: 'replicate', encryption: enc };
  return { kind: 'replicate' };
}

/**
 * Whether a replica's encryption is what `wanted` asks. Nothing wanted accepts anything: an unencrypted source
 * object's replica takes the destination bucket's default encryption, which this tool does not read. A KMS
 * wish without a key id (the managed default key) accepts any key.
 */
export function encryptionMatches(wanted: Encryption | undefined, actual: Encryption | undefined): boolean {
  if (!wanted) return true;
  if (!actual || actual.algorithm !== wanted.algorithm) return false;
  if (wanted.algorithm !== 'KMS' || actual.algorithm !== 'KMS') return true;
  if (wanted.keyId && actual.keyId !== wanted.keyId) return false;
  return (wanted.dataEncryption ?? null) === (actual.dataEncryption ?? null);
}

/** The request headers that ask OSS for `enc` on a write (PutObject, InitiateMultipartUpload, CopyObject). */
export function encryptionHeaders(enc: Encryption | undefined): Record<string, string> {
  if (!enc) return {};
  if (enc.algorithm !== 'KMS') return { 'x-oss-server-side-encryption': enc.algorithm };
  const h: Record<string, string> = { 'x-oss-server-side-encryption': 'KMS' };
  if (enc.keyId) h['x-oss-server-side-encryption-key-id'] = enc.keyId;
  if (enc.dataEncryption) h['x-oss-server-side-data-encryption'] = enc.dataEncryption;
  return h;
}
