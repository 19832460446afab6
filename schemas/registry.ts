// Every shipped version of every record, by record name and by fingerprint, with the avsc types and the
// resolvers that read each older writer version as the current (highest) version.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro, { type Schema, type Type } from 'avsc';
import { CrrError } from '../core/errors.ts';
import { canonicalSchema, type CanonicalSchema } from './canonical-form.ts';
import { crc64Avro } from './fingerprint.ts';
import { namedTypes } from './body-guard.ts';
import { RECORD_NAMES, type RecordName } from './types.ts';

/** avsc declares its Resolver class without exporting it. */
export type Resolver = ReturnType<Type['createResolver']>;

export const NAMESPACE = 'io.crr';
export const SCHEMAS_DIR = fileURLToPath(new URL('.', import.meta.url));
const VERSION_FILE = /^v([1-9][0-9]*)\.avsc$/;

export interface SchemaVersion {
  name: RecordName;
  version: number;
  /** The .avsc JSON as written (docs, defaults and all). */
  schema: object;
  /** Where it came from, for error messages. */
  source?: string;
}

export interface RegisteredVersion extends SchemaVersion {
  canonical: CanonicalSchema;
  canonicalForm: string;
  fingerprint: Buffer;
  fingerprintHex: string;
  names: Map<string, CanonicalSchema>;
  /** Top-level field names. */
  fieldNames: ReadonlySet<string>;
  type: Type;
}

function configError(message: string, context: Record<string, unknown>, cause?: unknown): CrrError {
  return new CrrError(message, { code: 'INVALID_SCHEMA', stage: 'config', context, cause });
}

export class SchemaRegistry {
  private readonly byName = new Map<string, RegisteredVersion[]>();
  private readonly byFp = new Map<string, RegisteredVersion>();
  private readonly resolvers = new Map<RegisteredVersion, Resolver>();

  constructor(versions: SchemaVersion[]) {
    for (const v of [...versions].sort((a, b) => a.version - b.version)) {
      const entry = register(v);
      const list = this.byName.get(v.name) ?? [];
      if (list.some((e) => e.version === v.version)) throw configError(`${v.name} v${v.version} registered twice`, { record: v.name });
      list.push(entry);
      this.byName.set(v.name, list);
      const clash = this.byFp.get(entry.fingerprintHex);
      if (clash && clash.canonicalForm !== entry.canonicalForm) {
        throw configError(`fingerprint collision between ${clash.name} v${clash.version} and ${v.name} v${v.version}`, { fingerprint: entry.fingerprintHex });
      }
      if (clash && clash.name !== entry.name) throw configError(`${clash.name} and ${v.name} have the same parsing form`, { fingerprint: entry.fingerprintHex });
      // Versions that differ only in docs or defaults share a fingerprint; either parses the bytes, keep the latest.
      this.byFp.set(entry.fingerprintHex, entry);
    }
    // Build every resolver now: an incompatible version must fail at startup, not on the first old message.
    for (const list of this.byName.values()) {
      const current = list[list.length - 1];
      for (const entry of list) {
        if (entry.canonicalForm === current.canonicalForm) continue;
        try {
          this.resolvers.set(entry, current.type.createResolver(entry.type));
        } catch (cause) {
          throw configError(`${current.name} v${current.version} cannot read v${entry.version}`, { record: entry.name }, cause);
        }
      }
    }
  }

  /** All versions of a record, oldest first. */
  versions(name: RecordName): RegisteredVersion[] {
    const list = this.byName.get(name);
    if (!list) throw new CrrError(`unknown record ${String(name)}`, { code: 'UNKNOWN_RECORD', stage: 'config', context: { record: name } });
    return list;
  }

  /** The version writers use and readers resolve to: the highest. */
  current(name: RecordName): RegisteredVersion {
    const list = this.versions(name);
    return list[list.length - 1];
  }

  byFingerprint(fingerprintHex: string): RegisteredVersion | undefined {
    return this.byFp.get(fingerprintHex);
  }

  /** How the current reader reads bytes written with `writer`; undefined when they parse alike. */
  resolver(writer: RegisteredVersion): Resolver | undefined {
    return this.resolvers.get(writer);
  }
}

function register(v: SchemaVersion): RegisteredVersion {
  const canonical = canonicalSchema(v.schema);
  if (typeof canonical !== 'object' || Array.isArray(canonical) || canonical.type !== 'record' || canonical.name !== `${NAMESPACE}.${v.name}`) {
    throw configError(`${v.source ?? v.name} must define the record ${NAMESPACE}.${v.name}`, { record: v.name, version: v.version });
  }
  let type: Type;
  try {
    type = avro.Type.forSchema(v.schema as Schema);
  } catch (cause) {
    throw configError(`avsc rejects ${v.source ?? `${v.name} v${v.version}`}`, { record: v.name, version: v.version }, cause);
  }
  const form = JSON.stringify(canonical);
  const fingerprint = crc64Avro(Buffer.from(form, 'utf8'));
  return { ...v, canonical, canonicalForm: form, fingerprint, fingerprintHex: fingerprint.toString('hex'), names: namedTypes(canonical), fieldNames: new Set(canonical.fields.map((f) => f.name)), type };
}

/** Reads schemas/<Record>/v<N>.avsc: every record has v1..vN with no gaps, and nothing else sits there. */
export function loadShippedVersions(dir: string = SCHEMAS_DIR): SchemaVersion[] {
  const out: SchemaVersion[] = [];
  for (const name of RECORD_NAMES) {
    const folder = join(dir, name);
    const numbers = readdirSync(folder).map((file) => {
      const m = VERSION_FILE.exec(file);
      if (!m) throw configError(`unexpected file ${join(name, file)} among schema versions`, { file });
      return Number(m[1]);
    }).sort((a, b) => a - b);
    if (numbers.length === 0 || numbers.some((n, i) => n !== i + 1)) {
      throw configError(`${name} versions must be v1..vN without gaps`, { record: name, versions: numbers });
    }
    for (const version of numbers) {
      const source = join(folder, `v${version}.avsc`);
      let schema: object;
      try {
        schema = JSON.parse(readFileSync(source, 'utf8'));
      } catch (cause) {
        throw configError(`cannot read ${source}`, { record: name, version }, cause);
      }
      out.push({ name, version, schema, source });
    }
  }
  const strays = readdirSync(dir).filter((e) => statSync(join(dir, e)).isDirectory() && !(RECORD_NAMES as readonly string[]).includes(e));
  if (strays.length) throw configError(`schema folders for unknown records: ${strays.join(', ')}`, { folders: strays });
  return out;
}

let shipped: SchemaRegistry | undefined;

/** The registry of the versions shipped in this repo, built on first use. */
export function shippedRegistry(): SchemaRegistry {
  shipped ??= new SchemaRegistry(loadShippedVersions());
  return shipped;
}
