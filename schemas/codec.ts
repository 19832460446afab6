// The public codec: records <-> Avro single-object messages. Encode writes the current version of a record;
// decode finds the writer version by fingerprint, bounds-checks the body, and resolves it to the current version.
import { CrrError } from '../core/errors.ts';
import { checkBody } from './body-guard.ts';
import { shippedRegistry, type RegisteredVersion, type SchemaRegistry } from './registry.ts';
import { frame, HEADER_LENGTH, unframe } from './single-object.ts';
import type { RecordName, RecordTypes } from './types.ts';

export type { RecordName, RecordTypes } from './types.ts';
export { canonicalForm } from './canonical-form.ts';
export { crc64Avro } from './fingerprint.ts';

/** Copies avsc's record instances (one generated class per record) into plain objects. */
function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
  return out;
}

export function encodeWith<N extends RecordName>(registry: SchemaRegistry, name: N, value: RecordTypes[N]): Buffer {
  const writer = registry.current(name);
  const invalid: string[] = [];
  // Undeclared top-level fields are refused too: a misspelt field would otherwise vanish from the wire silently.
  if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) if (!writer.fieldNames.has(k)) invalid.push(`${k} (undeclared)`);
  }
  // The check without a hook is avsc's compiled fast path; only a record that fails it is walked again for its paths.
  const valid = invalid.length === 0 && writer.type.isValid(value)
    || writer.type.isValid(value, { errorHook: (path: string[]) => invalid.push(path.join('.') || '(record)') });
  if (!valid || invalid.length > 0) {
    throw new CrrError(`invalid ${name}: ${invalid.join(', ')}`, { code: 'INVALID_RECORD', stage: 'publish', context: { record: name, fields: invalid } });
  }
  return frame(writer.fingerprint, writer.type.toBuffer(value));
}

/** Which shipped record version wrote a message (throws NOT_SINGLE_OBJECT or UNKNOWN_SCHEMA). */
export function identifyWith(registry: SchemaRegistry, bytes: Buffer): RegisteredVersion {
  const { fingerprint } = unframe(bytes);
  const hex = fingerprint.toString('hex');
  const writer = registry.byFingerprint(hex);
  if (!writer) {
    throw new CrrError(`no known schema has fingerprint ${hex}`, {
      code: 'UNKNOWN_SCHEMA', stage: 'decode', context: { fingerprint: hex, length: bytes.length },
    });
  }
  return writer;
}

export function decodeWith<N extends RecordName>(registry: SchemaRegistry, name: N, bytes: Buffer): RecordTypes[N] {
  const writer = identifyWith(registry, bytes);
  const context = { record: name, version: writer.version, fingerprint: writer.fingerprintHex, length: bytes.length };
  if (writer.name !== name) {
    throw new CrrError(`expected ${name}, got ${writer.name} v${writer.version}`, { code: 'WRONG_RECORD', stage: 'decode', context: { ...context, actual: writer.name } });
  }
  const body = bytes.subarray(HEADER_LENGTH);
  let value: unknown;
  try {
    const problem = checkBody(writer.canonical, writer.names, body);
    if (problem) throw new Error(problem);
    value = registry.current(name).type.fromBuffer(body, registry.resolver(writer));
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new CrrError(`malformed ${name} v${writer.version} body: ${reason}`, { code: 'MALFORMED_BODY', stage: 'decode', context, cause });
  }
  return toPlain(value) as RecordTypes[N];
}

/** Encodes a record with the current schema version; an invalid value throws CrrError INVALID_RECORD. */
export function encode<N extends RecordName>(name: N, value: RecordTypes[N]): Buffer {
  return encodeWith(shippedRegistry(), name, value);
}

/**
 * Decodes a single-object message written with any shipped version of the record, as the current version.
 * Throws CrrError (stage decode): NOT_SINGLE_OBJECT, UNKNOWN_SCHEMA, WRONG_RECORD or MALFORMED_BODY.
 */
export function decode<N extends RecordName>(name: N, bytes: Buffer): RecordTypes[N] {
  return decodeWith(shippedRegistry(), name, bytes);
}

/** Which record and version wrote a message, e.g. to label a dead letter; throws like decode. */
export function identify(bytes: Buffer): { name: RecordName; version: number; fingerprint: string } {
  const writer = identifyWith(shippedRegistry(), bytes);
  return { name: writer.name, version: writer.version, fingerprint: writer.fingerprintHex };
}

/** The 8-byte little-endian fingerprint of a record version (default: the current one). */
export function fingerprintOf(name: RecordName, version?: number): Buffer {
  const registry = shippedRegistry();
  const entry = version === undefined ? registry.current(name) : registry.versions(name).find((v) => v.version === version);
  if (!entry) throw new CrrError(`${name} has no version ${version}`, { code: 'UNKNOWN_SCHEMA', stage: 'config', context: { record: name, version } });
  return Buffer.from(entry.fingerprint);
}
