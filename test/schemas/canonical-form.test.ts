// Parsing Canonical Form: the Avro spec's vectors, nested named types and namespaces, and bad schemas.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import avro from 'avsc';
import { canonicalForm } from '../../schemas/canonical-form.ts';
import { CrrError } from '../../core/errors.ts';
import { loadShippedVersions } from '../../schemas/registry.ts';
import { SPEC_VECTORS } from './avro-spec-vectors.ts';

for (const v of SPEC_VECTORS) {
  test(`spec vector ${v.id}`, () => {
    assert.equal(canonicalForm(v.input), v.canonical);
    assert.equal(canonicalForm(JSON.parse(v.input)), v.canonical);
  });
}

test('nested record, enum, array, map, fixed and union, with namespaces inherited and overridden', () => {
  const schema = {
    doc: 'top',
    fields: [
      { name: 'id', type: 'string', doc: 'x', default: '', order: 'ignore', aliases: ['ident'] },
      { name: 'when', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'op', type: { symbols: ['A', 'B'], name: 'Op', type: 'enum', default: 'A', doc: 'ops' } },
      { name: 'tags', type: { type: 'array', items: { type: 'map', values: ['null', 'string'] } } },
      {
        name: 'inner',
        type: {
          type: 'record', name: 'Inner', namespace: 'other.ns', fields: [
            { name: 'hash', type: { type: 'fixed', name: 'Hash', size: 8, aliases: ['H'] } },
            { name: 'again', type: ['null', 'Hash', 'io.test.Op'] },
          ],
        },
      },
      { name: 'dotted', type: { type: 'enum', name: 'x.y.Dotted', namespace: 'ignored', symbols: ['Z'] } },
      { name: 'same', type: ['null', 'other.ns.Inner', 'Op', 'x.y.Dotted'] },
      { name: 'bytesField', type: { type: 'bytes', logicalType: 'decimal', precision: 4, scale: 2 } },
    ],
    name: 'Top',
    namespace: 'io.test',
    type: 'record',
    aliases: ['Old'],
  };
  const expected = '{"name":"io.test.Top","type":"record","fields":['
    + '{"name":"id","type":"string"},'
    + '{"name":"when","type":"long"},'
    + '{"name":"op","type":{"name":"io.test.Op","type":"enum","symbols":["A","B"]}},'
    + '{"name":"tags","type":{"type":"array","items":{"type":"map","values":["null","string"]}}},'
    + '{"name":"inner","type":{"name":"other.ns.Inner","type":"record","fields":['
    + '{"name":"hash","type":{"name":"other.ns.Hash","type":"fixed","size":8}},'
    + '{"name":"again","type":["null","other.ns.Hash","io.test.Op"]}]}},'
    + '{"name":"dotted","type":{"name":"x.y.Dotted","type":"enum","symbols":["Z"]}},'
    + '{"name":"same","type":["null","other.ns.Inner","io.test.Op","x.y.Dotted"]},'
    + '{"name":"bytesField","type":"bytes"}]}';
  assert.equal(canonicalForm(schema), expected);
  // avsc agrees on this schema, as an independent check of key order and name resolution.
  assert.equal(JSON.stringify(avro.Type.forSchema(schema as avro.Schema).schema()), expected);
  // Inner lives in other.ns, so from io.test its short name does not resolve.
  const shortName = structuredClone(schema);
  shortName.fields[6].type = ['null', 'Inner'];
  assert.throws(() => canonicalForm(shortName), (e: unknown) => e instanceof CrrError && e.code === 'INVALID_SCHEMA' && /Inner/.test(e.message));
});

test('a record with no namespace puts nested short names in the null namespace', () => {
  const schema = { type: 'record', name: 'A', fields: [{ name: 'b', type: { type: 'record', name: 'B', fields: [] } }, { name: 'c', type: 'B' }] };
  assert.equal(canonicalForm(schema), '{"name":"A","type":"record","fields":[{"name":"b","type":{"name":"B","type":"record","fields":[]}},{"name":"c","type":"B"}]}');
});

test('a nested type without a namespace takes the namespace of a dotted enclosing name', () => {
  const schema = { type: 'record', name: 'p.q.A', fields: [{ name: 'e', type: { type: 'enum', name: 'E', symbols: ['S'] } }] };
  assert.equal(canonicalForm(schema), '{"name":"p.q.A","type":"record","fields":[{"name":"e","type":{"name":"p.q.E","type":"enum","symbols":["S"]}}]}');
});

test('bare type names and whitespace around JSON text', () => {
  assert.equal(canonicalForm('int'), '"int"');
  assert.equal(canonicalForm('  "string"  '), '"string"');
  assert.equal(canonicalForm(' { "type" : "array" , "items" : "long" } '), '{"type":"array","items":"long"}');
});

test('strings keep non-ASCII characters as UTF-8, not escapes', () => {
  assert.equal(canonicalForm('{"type":"enum","name":"e","symbols":["A"],"doc":"\\u00e9"}'), '{"name":"e","type":"enum","symbols":["A"]}');
  assert.equal(canonicalForm('{"type":"record","name":"r","fields":[{"name":"f","type":"int","doc":"\\u00e9"}]}'), '{"name":"r","type":"record","fields":[{"name":"f","type":"int"}]}');
});

test('invalid schemas throw CrrError INVALID_SCHEMA', () => {
  const bad: (object | string)[] = [
    '{not json',
    '"Nope"',
    { type: 'record', fields: [] },
    { type: 'record', name: 'r' },
    { type: 'record', name: 'r', fields: [{ type: 'int' }] },
    { type: 'enum', name: 'e' },
    { type: 'fixed', name: 'f', size: -1 },
    { type: 'record', name: 'bad-name', fields: [] },
    { type: 'record', name: 'r', fields: [{ name: 'a', type: { type: 'enum', name: 'r', symbols: ['X'] } }] },
    [{ type: 42 }],
  ];
  for (const schema of bad) {
    assert.throws(() => canonicalForm(schema), (e: unknown) => e instanceof CrrError && e.code === 'INVALID_SCHEMA', JSON.stringify(schema));
  }
});

test('every shipped schema: canonical form agrees with avsc and strips docs, defaults and logical types', () => {
  for (const v of loadShippedVersions()) {
    const form = canonicalForm(v.schema);
    assert.equal(form, JSON.stringify(avro.Type.forSchema(v.schema as avro.Schema).schema()), `${v.name} v${v.version}`);
    assert.ok(form.startsWith(`{"name":"io.crr.${v.name}","type":"record","fields":[`));
    for (const stripped of ['"doc"', '"default"', '"logicalType"', '"namespace"', ' ']) assert.ok(!form.includes(stripped), `${v.name}: ${stripped}`);
  }
});
