// Schema versions: every shipped version (found by listing the folders, so a new vN.avsc is covered without
// touching this file) is read by the current reader; versions follow the evolution rules; docs are complete.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Type } from 'avsc';
import { CrrError } from '../../core/errors.ts';
import { decodeWith, encode, encodeWith } from '../../schemas/codec.ts';
import { evolutionProblems } from '../../schemas/evolution.ts';
import { loadShippedVersions, SchemaRegistry, SCHEMAS_DIR, shippedRegistry, type RegisteredVersion, type SchemaVersion } from '../../schemas/registry.ts';
import { frame } from '../../schemas/single-object.ts';
import * as types from '../../schemas/types.ts';
import { RECORD_NAMES, type RecordName } from '../../schemas/types.ts';
import { SAMPLES } from './samples.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8'));
const OLD_WRITER = readJson(join(FIXTURES, 'ObjectChange.old-writer.avsc'));
const NEXT_VERSION = readJson(join(FIXTURES, 'ObjectChange.next-version.avsc'));

interface AvroField { name: string; type: Type; defaultValue(): unknown }
const fieldsOf = (type: Type): AvroField[] => (type as unknown as { fields: AvroField[] }).fields;
const rawFields = (schema: object): { name: string; type: unknown; default?: unknown; doc?: string }[] => (schema as { fields: [] }).fields;

/** A value of `writer`: the shared sample where it fits the writer's field types, random elsewhere. */
function writerValue(writer: Type, name: RecordName): Record<string, unknown> {
  const sample = SAMPLES[name] as unknown as Record<string, unknown>;
  const value = writer.random() as unknown as Record<string, unknown>;
  for (const f of fieldsOf(writer)) if (f.name in sample && f.type.isValid(sample[f.name])) value[f.name] = sample[f.name];
  return { ...value };
}

/** What the current reader must produce for a value written with `writer`: fields it lacks take their default. */
function expectedRead(current: Type, written: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsOf(current)) {
    const enumDefault = (f.type as unknown as { default?: unknown }).default;
    if (!(f.name in written)) out[f.name] = f.defaultValue();
    else if (!f.type.isValid(written[f.name]) && enumDefault !== undefined) out[f.name] = enumDefault;
    else out[f.name] = written[f.name];
  }
  return out;
}

function assertReadsEveryVersion(registry: SchemaRegistry, name: RecordName, randomRounds: number): void {
  const current = registry.current(name);
  for (const writer of registry.versions(name)) {
    for (let round = 0; round <= randomRounds; round++) {
      const written = round === 0 ? writerValue(writer.type, name) : { ...(writer.type.random() as unknown as object) } as Record<string, unknown>;
      const bytes = frame(writer.fingerprint, writer.type.toBuffer(written));
      const read = decodeWith(registry, name, bytes);
      assert.deepEqual(read, expectedRead(current.type, written), `${name} v${writer.version} round ${round}`);
    }
  }
}

test('the shipped folders: every record has v1..vN and nothing else', () => {
  const shipped = loadShippedVersions();
  assert.deepEqual([...new Set(shipped.map((v) => v.name))], [...RECORD_NAMES]);
  for (const v of shipped) assert.match(v.source ?? '', new RegExp(`${v.name}/v${v.version}\\.avsc$`));
});

for (const name of RECORD_NAMES) {
  test(`${name}: every shipped version decodes with the current reader`, () => {
    assertReadsEveryVersion(shippedRegistry(), name, 20);
  });

  test(`${name}: every pair of shipped versions resolves both ways, and each version follows the evolution rules`, () => {
    const versions = shippedRegistry().versions(name);
    for (const w of versions) for (const r of versions) assert.doesNotThrow(() => r.type.createResolver(w.type), `v${r.version} reads v${w.version}`);
    for (let i = 1; i < versions.length; i++) assert.deepEqual(evolutionProblems(versions[i - 1].schema, versions[i].schema), [], `v${versions[i].version}`);
  });
}

test('every shipped record, field and enum has a doc; nullable fields are ["null", T] defaulting to null; enums have a default', () => {
  for (const v of loadShippedVersions()) {
    const where = `${v.name} v${v.version}`;
    assert.ok((v.schema as { doc?: string }).doc, `${where}: record doc`);
    assert.equal((v.schema as { namespace?: string }).namespace, 'io.crr', `${where}: namespace`);
    for (const f of rawFields(v.schema)) {
      assert.ok(f.doc, `${where}.${f.name}: doc`);
      if (Array.isArray(f.type)) {
        assert.equal(f.type.length, 2, `${where}.${f.name}: unions are only nullable T`);
        assert.equal(f.type[0], 'null', `${where}.${f.name}: null first`);
        assert.equal(f.default, null, `${where}.${f.name}: default null`);
      }
      const t = f.type as { type?: string; doc?: string; default?: string; symbols?: string[] };
      if (t.type === 'enum') {
        assert.ok(t.doc, `${where}.${f.name}: enum doc`);
        assert.ok(t.symbols?.includes(t.default ?? '\0'), `${where}.${f.name}: enum default`);
      }
    }
  }
});

test('types.ts matches the current schemas: field names and enum symbols', () => {
  const enumConsts: Record<string, readonly string[]> = {
    ChangeOperation: types.CHANGE_OPERATIONS, CaptureSource: types.CAPTURE_SOURCES, BackfillJobState: types.BACKFILL_JOB_STATES,
    BackfillCompare: types.BACKFILL_COMPARES, BackfillTaskResult: types.BACKFILL_TASK_RESULTS,
    ReplicationAction: types.REPLICATION_ACTIONS, ReplicationResult: types.REPLICATION_RESULTS, ReplicationTrigger: types.REPLICATION_TRIGGERS,
    RuleState: types.RULE_STATES, RuleAction: types.RULE_ACTIONS,
  };
  const seen = new Set<string>();
  for (const name of RECORD_NAMES) {
    const current = shippedRegistry().current(name);
    assert.deepEqual(rawFields(current.schema).map((f) => f.name), Object.keys(SAMPLES[name]), name);
    for (const f of rawFields(current.schema)) {
      const t = f.type as { type?: string; name?: string; symbols?: string[] };
      if (t.type !== 'enum') continue;
      assert.deepEqual(t.symbols, enumConsts[t.name!], `${name}.${f.name}`);
      seen.add(t.name!);
    }
  }
  assert.deepEqual([...seen].sort(), Object.keys(enumConsts).sort());
});

test('an old writer without some fields: the current reader fills their defaults', () => {
  const registry = new SchemaRegistry([...loadShippedVersions(), { name: 'ObjectChange', version: 0, schema: OLD_WRITER }]);
  const old = registry.versions('ObjectChange')[0];
  assert.equal(old.version, 0);
  assert.notEqual(old.fingerprintHex, registry.current('ObjectChange').fingerprintHex);
  assert.deepEqual(evolutionProblems(OLD_WRITER, registry.current('ObjectChange').schema), []);
  const { requester: _r, origin: _o, sequence: _s, ...written } = SAMPLES.ObjectChange;
  const read = decodeWith(registry, 'ObjectChange', frame(old.fingerprint, old.type.toBuffer(written)));
  assert.deepEqual(read, { ...written, requester: null, origin: null, sequence: null });
  assertReadsEveryVersion(registry, 'ObjectChange', 10);
});

test('a next version (new enum symbol, new field with default) drops in', () => {
  const v1 = shippedRegistry().current('ObjectChange');
  assert.deepEqual(evolutionProblems(v1.schema, NEXT_VERSION), []);
  // With v2 shipped, the registry reads v1 messages as v2: the new field takes its default.
  const withV2 = new SchemaRegistry([...loadShippedVersions(), { name: 'ObjectChange', version: 2, schema: NEXT_VERSION }]);
  assert.equal(withV2.current('ObjectChange').version, 2);
  const fromV1 = decodeWith(withV2, 'ObjectChange', encode('ObjectChange', SAMPLES.ObjectChange));
  assert.deepEqual(fromV1, { ...SAMPLES.ObjectChange, storageClass: null });
  assertReadsEveryVersion(withV2, 'ObjectChange', 10);
  // A v1 reader that has the v2 schema maps the unknown symbol to its default and drops the unknown field.
  const v2Bytes = encodeWith(withV2, 'ObjectChange', { ...SAMPLES.ObjectChange, operation: 'RESTORE', storageClass: 'IA' } as never);
  const read = v1.type.fromBuffer(v2Bytes.subarray(10), v1.type.createResolver(withV2.current('ObjectChange').type));
  assert.deepEqual({ ...read }, { ...SAMPLES.ObjectChange, operation: 'UNKNOWN' });
  // A reader that never saw v2 refuses it by fingerprint (ship readers first; see schemas/README.md).
  assert.throws(() => decodeWith(shippedRegistry(), 'ObjectChange', v2Bytes), (e: unknown) => e instanceof CrrError && e.code === 'UNKNOWN_SCHEMA');
});

test('versions that break the rules are caught by the rules check and by the registry', () => {
  const v1 = shippedRegistry().current('ObjectChange').schema as { fields: { name: string; type: unknown; default?: unknown }[] };
  const noDefault = { ...v1, fields: [...v1.fields, { name: 'bucketOwner', type: 'string', doc: 'x' }] };
  const retyped = { ...v1, fields: v1.fields.map((f) => (f.name === 'key' ? { ...f, type: 'bytes' } : f)) };
  const removed = { ...v1, fields: v1.fields.filter((f) => f.name !== 'region') };
  const reordered = { ...v1, fields: v1.fields.map((f) => (f.name === 'operation' ? { ...f, type: { ...(f.type as object), symbols: ['COPY', 'PUT'] } } : f)) };
  assert.deepEqual(evolutionProblems(v1, noDefault), ['new field bucketOwner has no default']);
  assert.deepEqual(evolutionProblems(v1, retyped), ['field key changed type']);
  assert.deepEqual(evolutionProblems(v1, removed), ['field region removed']);
  assert.deepEqual(evolutionProblems(v1, reordered), ['enum of operation: existing symbols must stay, in order']);
  const versions: SchemaVersion[] = [...loadShippedVersions(), { name: 'ObjectChange', version: 2, schema: noDefault }];
  assert.throws(() => new SchemaRegistry(versions), (e: unknown) => e instanceof CrrError && e.code === 'INVALID_SCHEMA' && /cannot read v1/.test(e.message));
});

test('the loader refuses gaps, stray files and records named wrongly', () => {
  const dir = mkdtempSync(join(tmpdir(), 'crr-schemas-'));
  try {
    for (const name of RECORD_NAMES) cpSync(join(SCHEMAS_DIR, name), join(dir, name), { recursive: true });
    assert.equal(loadShippedVersions(dir).length, loadShippedVersions().length);
    const refuses = (pattern: RegExp) => assert.throws(() => new SchemaRegistry(loadShippedVersions(dir)), (e: unknown) => e instanceof CrrError && e.code === 'INVALID_SCHEMA' && pattern.test(e.message));
    writeFileSync(join(dir, 'BackfillJob', 'v4.avsc'), readFileSync(join(SCHEMAS_DIR, 'BackfillJob', 'v1.avsc')));
    refuses(/without gaps/);
    rmSync(join(dir, 'BackfillJob', 'v4.avsc'));
    writeFileSync(join(dir, 'BackfillJob', 'notes.txt'), '');
    refuses(/unexpected file/);
    rmSync(join(dir, 'BackfillJob', 'notes.txt'));
    writeFileSync(join(dir, 'BackfillJob', 'v2.avsc'), readFileSync(join(SCHEMAS_DIR, 'BackfillTask', 'v1.avsc')));
    refuses(/must define the record io\.crr\.BackfillJob/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('schemas/README.md lists the fingerprint of every shipped version', () => {
  const readme = readFileSync(join(SCHEMAS_DIR, 'README.md'), 'utf8');
  for (const name of RECORD_NAMES) {
    for (const v of shippedRegistry().versions(name) as RegisteredVersion[]) {
      assert.ok(readme.includes(v.fingerprintHex), `${name} v${v.version} ${v.fingerprintHex}`);
    }
  }
});
