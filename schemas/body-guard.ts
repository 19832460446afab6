// Walks an Avro binary body against its writer schema checking only bounds (lengths, counts, enum and
// union indexes, booleans, trailing bytes), before avsc decodes it. avsc trusts block counts: a garbage
// count of 2^31 makes it allocate and loop for minutes, so untrusted bytes pass through here first.
import type { CanonicalSchema } from './canonical-form.ts';

/** Upper bound on items of a type that may encode to zero bytes (e.g. array of null), across one body. */
const MAX_ZERO_SIZE_ITEMS = 1 << 16;
const MAX_DEPTH = 200;

class Malformed extends Error {}

type Named = Map<string, CanonicalSchema>;

/** Every named type of a canonical schema by full name (references in the tree are bare full names). */
export function namedTypes(schema: CanonicalSchema, into: Named = new Map()): Named {
  if (typeof schema === 'string') return into;
  if (Array.isArray(schema)) {
    for (const branch of schema) namedTypes(branch, into);
    return into;
  }
  if ('name' in schema) into.set(schema.name, schema);
  if (schema.type === 'record' || schema.type === 'error') for (const f of schema.fields) namedTypes(f.type, into);
  else if (schema.type === 'array') namedTypes(schema.items, into);
  else if (schema.type === 'map') namedTypes(schema.values, into);
  return into;
}

/** Smallest number of bytes a value of the type can encode to (recursion counts as 0, a safe underestimate). */
function minSize(schema: CanonicalSchema, names: Named, visiting: Set<string> = new Set()): number {
  if (typeof schema === 'string') {
    switch (schema) {
      case 'null': return 0;
      case 'float': return 4;
      case 'double': return 8;
      case 'boolean': case 'int': case 'long': case 'bytes': case 'string': return 1;
      default: {
        if (visiting.has(schema)) return 0;
        visiting.add(schema);
        const size = minSize(names.get(schema) ?? 'null', names, visiting);
        visiting.delete(schema);
        return size;
      }
    }
  }
  if (Array.isArray(schema)) return 1 + Math.min(...schema.map((b) => minSize(b, names, visiting)));
  switch (schema.type) {
    case 'record': case 'error': return schema.fields.reduce((sum, f) => sum + minSize(f.type, names, visiting), 0);
    case 'fixed': return schema.size;
    default: return 1;
  }
}

class Walker {
  pos = 0;
  private zeroSizeItems = 0;
  private readonly minSizes = new Map<CanonicalSchema, number>();

  constructor(private readonly buf: Buffer, private readonly names: Named) {}

  private remaining(): number {
    return this.buf.length - this.pos;
  }

  private skip(n: number, what: string): void {
    if (n < 0 || n > this.remaining()) throw new Malformed(`${what} of ${n} bytes overruns the body`);
    this.pos += n;
  }

  /** A zigzag varint; the value as a double (exact to 2^53, which is all a length or count needs). */
  readLong(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.buf.length) throw new Malformed('varint overruns the body');
      const b = this.buf[this.pos++];
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (!(b & 0x80)) return value % 2 ? -(value + 1) / 2 : value / 2;
    }
    throw new Malformed('varint longer than 10 bytes');
  }

  private readInt(): void {
    const start = this.pos;
    const n = this.readLong();
    if (this.pos - start > 5 || n < -0x80000000 || n > 0x7fffffff) throw new Malformed('int out of range');
  }

  private minSizeOf(items: CanonicalSchema): number {
    let size = this.minSizes.get(items);
    if (size === undefined) this.minSizes.set(items, (size = minSize(items, this.names)));
    return size;
  }

  private blocks(items: CanonicalSchema, isMap: boolean, depth: number): void {
    const itemSize = this.minSizeOf(items) + (isMap ? 1 : 0);
    for (;;) {
      let n = this.readLong();
      if (n === 0) return;
      if (n < 0) {
        n = -n;
        const bytes = this.readLong();
        if (bytes < 0 || bytes > this.remaining()) throw new Malformed('block size overruns the body');
      }
      if (itemSize > 0 ? n * itemSize > this.remaining() : (this.zeroSizeItems += n) > MAX_ZERO_SIZE_ITEMS) {
        throw new Malformed(`block count ${n} cannot fit in the body`);
      }
      for (let i = 0; i < n; i++) {
        if (isMap) this.skip(this.readLong(), 'map key');
        this.value(items, depth + 1);
      }
    }
  }

  value(schema: CanonicalSchema, depth = 0): void {
    if (depth > MAX_DEPTH) throw new Malformed('nesting too deep');
    if (typeof schema === 'string') {
      switch (schema) {
        case 'null': return;
        case 'boolean': {
          const b = this.buf[this.pos];
          this.skip(1, 'boolean');
          if (b > 1) throw new Malformed('boolean byte is neither 0 nor 1');
          return;
        }
        case 'int': return this.readInt();
        case 'long': this.readLong(); return;
        case 'float': return this.skip(4, 'float');
        case 'double': return this.skip(8, 'double');
        case 'bytes': case 'string': return this.skip(this.readLong(), schema);
        default: {
          const named = this.names.get(schema);
          if (!named) throw new Malformed(`schema refers to unknown type ${schema}`);
          return this.value(named, depth + 1);
        }
      }
    }
    if (Array.isArray(schema)) {
      const index = this.readLong();
      if (!Number.isInteger(index) || index < 0 || index >= schema.length) throw new Malformed(`union index ${index} out of range`);
      return this.value(schema[index], depth + 1);
    }
    switch (schema.type) {
      case 'record': case 'error':
        for (const f of schema.fields) this.value(f.type, depth + 1);
        return;
      case 'enum': {
        const index = this.readLong();
        if (!Number.isInteger(index) || index < 0 || index >= schema.symbols.length) throw new Malformed(`enum index ${index} out of range`);
        return;
      }
      case 'fixed': return this.skip(schema.size, 'fixed');
      case 'array': return this.blocks(schema.items, false, depth);
      case 'map': return this.blocks(schema.values, true, depth);
    }
  }
}

/** Why `body` cannot be a value of `schema` (bounds only), or undefined when it is safe to decode. */
export function checkBody(schema: CanonicalSchema, names: Named, body: Buffer): string | undefined {
  const walker = new Walker(body, names);
  try {
    walker.value(schema);
  } catch (err) {
    if (err instanceof Malformed) return err.message;
    throw err;
  }
  return walker.pos === body.length ? undefined : `${body.length - walker.pos} trailing bytes`;
}
