// The evolution rules of the public contract, as a check over two versions of one record: a newer version
// may only add fields that have defaults, and append symbols to top-level enum fields that have a default.
import { canonicalSchema, type CanonicalSchema } from './canonical-form.ts';
import { namedTypes } from './body-guard.ts';

type Names = Map<string, CanonicalSchema>;
type EnumDef = { name: string; type: 'enum'; symbols: string[] };
interface RawField { name: string; type: unknown; default?: unknown }

/** The type with named references replaced by their definitions, as text (recursive references stay names). */
function expand(type: CanonicalSchema, names: Names, seen: Set<string> = new Set()): string {
  if (typeof type === 'string') {
    const def = names.get(type);
    if (!def || seen.has(type)) return JSON.stringify(type);
    return expand(def, names, new Set(seen).add(type));
  }
  if (Array.isArray(type)) return `[${type.map((t) => expand(t, names, seen)).join(',')}]`;
  if (type.type === 'record' || type.type === 'error') {
    const inner = new Set(seen).add(type.name);
    return `{"name":${JSON.stringify(type.name)},"fields":[${type.fields.map((f) => `${JSON.stringify(f.name)}:${expand(f.type, names, inner)}`).join(',')}]}`;
  }
  if (type.type === 'array') return `{"array":${expand(type.items, names, seen)}}`;
  if (type.type === 'map') return `{"map":${expand(type.values, names, seen)}}`;
  return JSON.stringify(type);
}

function enumOf(type: CanonicalSchema, names: Names): EnumDef | undefined {
  const def = typeof type === 'string' ? names.get(type) : type;
  return def && typeof def === 'object' && !Array.isArray(def) && def.type === 'enum' ? def : undefined;
}

/** Enum defaults by short name, from the raw JSON (the canonical form strips them). */
function enumDefaults(schema: unknown, into: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (Array.isArray(schema)) schema.forEach((s) => enumDefaults(s, into));
  else if (schema && typeof schema === 'object') {
    const s = schema as Record<string, unknown>;
    if (s.type === 'enum' && typeof s.name === 'string') into.set(s.name.split('.').pop()!, s.default);
    for (const v of Object.values(s)) if (v && typeof v === 'object') enumDefaults(v, into);
  }
  return into;
}

/** What `newer` does that the rules forbid, given `older` (empty when it is a valid next version). */
export function evolutionProblems(older: object, newer: object): string[] {
  const a = canonicalSchema(older);
  const b = canonicalSchema(newer);
  if (typeof a !== 'object' || Array.isArray(a) || a.type !== 'record' || typeof b !== 'object' || Array.isArray(b) || b.type !== 'record') {
    return ['both versions must be records'];
  }
  const problems: string[] = [];
  if (a.name !== b.name) problems.push(`record renamed from ${a.name} to ${b.name}`);
  const [namesA, namesB] = [namedTypes(a), namedTypes(b)];
  const [defaultsA, defaultsB] = [enumDefaults(older), enumDefaults(newer)];
  const newFields = new Map(b.fields.map((f) => [f.name, f]));
  for (const f of a.fields) {
    const g = newFields.get(f.name);
    if (!g) {
      problems.push(`field ${f.name} removed`);
      continue;
    }
    const [before, after] = [enumOf(f.type, namesA), enumOf(g.type, namesB)];
    if (before && after) {
      const short = before.name.split('.').pop()!;
      if (before.name !== after.name) problems.push(`enum of ${f.name} renamed`);
      if (!before.symbols.every((s, i) => after.symbols[i] === s)) problems.push(`enum of ${f.name}: existing symbols must stay, in order`);
      if (after.symbols.length > before.symbols.length && defaultsA.get(short) === undefined) problems.push(`enum of ${f.name} gained symbols but has no default`);
      if (defaultsA.get(short) !== defaultsB.get(short)) problems.push(`enum of ${f.name} changed its default`);
    } else if (expand(f.type, namesA) !== expand(g.type, namesB)) {
      problems.push(`field ${f.name} changed type`);
    }
  }
  const oldNames = new Set(a.fields.map((f) => f.name));
  const rawNew = ((newer as { fields?: RawField[] }).fields ?? []);
  for (const g of rawNew) if (!oldNames.has(g.name) && !('default' in g)) problems.push(`new field ${g.name} has no default`);
  return problems;
}
