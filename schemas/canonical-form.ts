// Avro Parsing Canonical Form (spec, "Schema Resolution" > "Parsing Canonical Form"): the schema with
// everything that does not affect decoding stripped, names made full, keys in a fixed order, no whitespace.
// Written here because avsc's `schema()` keeps attributes the spec strips and has no such guarantee.
import { CrrError } from '../core/errors.ts';

/** A schema in canonical shape; JSON.stringify of it is the canonical form (key order is insertion order). */
export type CanonicalSchema =
  | string
  | CanonicalSchema[]
  | { name: string; type: 'record' | 'error'; fields: { name: string; type: CanonicalSchema }[] }
  | { name: string; type: 'enum'; symbols: string[] }
  | { type: 'array'; items: CanonicalSchema }
  | { type: 'map'; values: CanonicalSchema }
  | { name: string; type: 'fixed'; size: number };

const PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(message: string, context: Record<string, unknown> = {}): CrrError {
  return new CrrError(`invalid Avro schema: ${message}`, { code: 'INVALID_SCHEMA', stage: 'config', context });
}

function fullName(name: unknown, namespace: unknown, enclosing: string): string {
  if (typeof name !== 'string') throw invalid('named type without a name');
  const ns = name.includes('.') ? '' : typeof namespace === 'string' ? namespace : enclosing;
  const full = name.includes('.') || !ns ? name : `${ns}.${name}`;
  for (const part of full.split('.')) if (!NAME.test(part)) throw invalid(`bad name ${JSON.stringify(full)}`);
  return full;
}

function namespaceOf(full: string): string {
  const i = full.lastIndexOf('.');
  return i < 0 ? '' : full.slice(0, i);
}

function reference(name: string, ns: string, defined: Set<string>): string {
  if (PRIMITIVES.has(name)) return name;
  // A short name means the enclosing namespace first, then the null namespace (as the Java parser does).
  const candidates = name.includes('.') || !ns ? [name] : [`${ns}.${name}`, name];
  const found = candidates.find((c) => defined.has(c));
  if (!found) throw invalid(`unknown type ${JSON.stringify(name)}`);
  return found;
}

function walk(schema: unknown, ns: string, defined: Set<string>): CanonicalSchema {
  if (typeof schema === 'string') return reference(schema, ns, defined);
  if (Array.isArray(schema)) return schema.map((branch) => walk(branch, ns, defined));
  if (schema === null || typeof schema !== 'object') throw invalid(`not a schema: ${JSON.stringify(schema)}`);
  const s = schema as Record<string, unknown>;
  const type = s.type;
  if (typeof type !== 'string') {
    if (type !== null && typeof type === 'object') return walk(type, ns, defined);
    throw invalid('schema object without a type');
  }
  switch (type) {
    case 'record':
    case 'error':
    case 'enum':
    case 'fixed': {
      const name = fullName(s.name, s.namespace, ns);
      if (defined.has(name)) throw invalid(`type ${name} defined twice`);
      // Registered before its fields are walked, so a record may refer to itself.
      defined.add(name);
      if (type === 'enum') {
        if (!Array.isArray(s.symbols) || !s.symbols.every((x) => typeof x === 'string')) throw invalid(`enum ${name} without symbols`);
        return { name, type, symbols: [...(s.symbols as string[])] };
      }
      if (type === 'fixed') {
        const size = Number(s.size);
        if (!Number.isInteger(size) || size < 0) throw invalid(`fixed ${name} without a valid size`);
        return { name, type, size };
      }
      if (!Array.isArray(s.fields)) throw invalid(`record ${name} without fields`);
      const inner = namespaceOf(name);
      const fields = s.fields.map((f: unknown) => {
        const field = f as Record<string, unknown>;
        if (!field || typeof field.name !== 'string' || !NAME.test(field.name)) throw invalid(`record ${name} has a field without a valid name`);
        return { name: field.name, type: walk(field.type, inner, defined) };
      });
      return { name, type, fields };
    }
    case 'array':
      return { type, items: walk(s.items, ns, defined) };
    case 'map':
      return { type, values: walk(s.values, ns, defined) };
    default:
      // Primitives in object form ({"type":"long","logicalType":...}) and references ({"type":"Foo"}).
      return reference(type, ns, defined);
  }
}

/** Parses a schema (object, or JSON text, or a bare type name) into its canonical shape. */
export function canonicalSchema(schema: object | string): CanonicalSchema {
  let parsed: unknown = schema;
  if (typeof schema === 'string') {
    const text = schema.trim();
    if (/^[[{"]/.test(text)) {
      try {
        parsed = JSON.parse(text);
      } catch (cause) {
        throw new CrrError('invalid Avro schema: not JSON', { code: 'INVALID_SCHEMA', stage: 'config', cause });
      }
    } else {
      parsed = text;
    }
  }
  return walk(parsed, '', new Set());
}

/** The Parsing Canonical Form of a schema, as a string (its UTF-8 bytes are what gets fingerprinted). */
export function canonicalForm(schema: object | string): string {
  return JSON.stringify(canonicalSchema(schema));
}
