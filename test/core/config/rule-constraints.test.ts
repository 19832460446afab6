// Every rule configuration issue 12 names, accepted or refused, with the exact line a user sees from the
// config loader; and the live versioning states a rule accepts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../core/config/load.ts';
import { versioningProblem } from '../../../core/config/rule-constraints.ts';
import { CrrError } from '../../../core/errors.ts';

const env = { HZ_AK: 'aaa', HZ_SK: 'bbb', SH_AK: 'ccc', SH_SK: 'ddd' };
const endpoints = {
  hz: { endpoint: 'http://localhost:9001', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'HZ_AK', accessKeySecretEnv: 'HZ_SK' },
  // A second endpoint of the same region (e.g. the internal one).
  hzInternal: { endpoint: 'http://localhost:9003', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'HZ_AK', accessKeySecretEnv: 'HZ_SK' },
  hzShort: { endpoint: 'http://localhost:9004', region: 'cn-hangzhou', accessKeyIdEnv: 'HZ_AK', accessKeySecretEnv: 'HZ_SK' },
  sh: { endpoint: 'http://localhost:9002', region: 'oss-cn-shanghai', accessKeyIdEnv: 'SH_AK', accessKeySecretEnv: 'SH_SK' },
};

type R = Record<string, unknown>;
const rule = (id: string, from: string, to: string, extra: R = {}, ends: [string, string] = ['hz', 'sh']): R => ({
  id, source: { endpoint: ends[0], bucket: from }, destination: { endpoint: ends[1], bucket: to }, ...extra,
});
const back = (id: string, from: string, to: string, extra: R = {}) => rule(id, from, to, extra, ['sh', 'hz']);

/** The problems the loader reports for these rules; [] when it accepts them. */
function problems(rules: R[]): string[] {
  try {
    parseConfig({ kafka: { brokers: ['127.0.0.1:19092'] }, endpoints, rules }, env);
    return [];
  } catch (err) {
    assert.ok(err instanceof CrrError && err.code === 'INVALID_CONFIG', String(err));
    return err.context.problems as string[];
  }
}

const tenPrefixes = Array.from({ length: 10 }, (_, i) => `p${i}/`);
const cases: { name: string; rules: R[]; expect: string[] }[] = [
  { name: 'one rule across two regions', rules: [rule('r1', 'aaa', 'bbb')], expect: [] },
  { name: 'two independent rules', rules: [rule('r1', 'aaa', 'bbb'), rule('r2', 'ccc', 'ddd')], expect: [] },
  { name: 'a chain A→B, B→C (each bucket one source, one destination)', rules: [rule('r1', 'aaa', 'bbb'), back('r2', 'bbb', 'ccc')], expect: [] },
  {
    name: 'same region named two ways (oss-cn-hangzhou, cn-hangzhou)', rules: [rule('r1', 'aaa', 'bbb', {}, ['hz', 'hzShort'])],
    expect: ['rules[0].destination.endpoint: rule "r1": source and destination are both in region oss-cn-hangzhou; cross-region replication needs two regions (set sameRegion: true to replicate within one region)'],
  },
  { name: 'same region with sameRegion: true', rules: [rule('r1', 'aaa', 'bbb', { sameRegion: true }, ['hz', 'hzInternal'])], expect: [] },
  {
    name: 'same region without sameRegion', rules: [rule('r1', 'aaa', 'bbb', {}, ['hz', 'hzInternal'])],
    expect: ['rules[0].destination.endpoint: rule "r1": source and destination are both in region oss-cn-hangzhou; cross-region replication needs two regions (set sameRegion: true to replicate within one region)'],
  },
  {
    name: 'a bucket onto itself', rules: [rule('r1', 'aaa', 'aaa', {}, ['hz', 'hz'])],
    expect: ['rules[0].destination.bucket: rule "r1" replicates bucket "aaa" onto itself'],
  },
  {
    name: 'one source, two destinations (A→B, A→C)', rules: [rule('r1', 'aaa', 'bbb'), rule('r2', 'aaa', 'ccc')],
    expect: ['rules[1].source.bucket: bucket "aaa" is already the source of rule "r1"; OSS replicates a bucket to one destination (one-to-one)'],
  },
  {
    name: 'one destination, two sources (A→B, C→B)', rules: [rule('r1', 'aaa', 'bbb'), rule('r2', 'ccc', 'bbb')],
    expect: ['rules[1].destination.bucket: bucket "bbb" already receives from rule "r1"; a destination has one source (one-to-one)'],
  },
  {
    name: 'fan-out with different prefixes is still one-to-many', rules: [rule('r1', 'aaa', 'bbb', { prefixes: ['x/'] }), rule('r2', 'aaa', 'ccc', { prefixes: ['y/'] })],
    expect: ['rules[1].source.bucket: bucket "aaa" is already the source of rule "r1"; OSS replicates a bucket to one destination (one-to-one)'],
  },
  {
    name: 'a mutual pair declared alike (prefixes in any order)',
    rules: [rule('r1', 'aaa', 'bbb', { twoWay: true, action: 'PUT', prefixes: ['x/', 'y/'] }), back('r2', 'bbb', 'aaa', { twoWay: true, action: 'PUT', prefixes: ['y/', 'x/'] })],
    expect: [],
  },
  {
    name: 'twoWay without the reverse rule', rules: [rule('r1', 'aaa', 'bbb', { twoWay: true })],
    expect: ['rules[0].twoWay: rule "r1" is twoWay but no rule replicates "bbb" back to "aaa"'],
  },
  {
    name: 'a mutual pair with twoWay on one side only', rules: [rule('r1', 'aaa', 'bbb', { twoWay: true }), back('r2', 'bbb', 'aaa')],
    expect: ['rules[1].twoWay: rules "r1" and "r2" replicate "aaa" and "bbb" into each other: a mutual pair needs twoWay: true on both (missing on "r2")'],
  },
  {
    name: 'A→B and B→A without twoWay', rules: [rule('r1', 'aaa', 'bbb'), back('r2', 'bbb', 'aaa')],
    expect: ['rules[0].twoWay: rules "r1" and "r2" replicate "aaa" and "bbb" into each other: a mutual pair needs twoWay: true on both (missing on "r1" and "r2")'],
  },
  {
    name: 'a mutual pair with different actions', rules: [rule('r1', 'aaa', 'bbb', { twoWay: true }), back('r2', 'bbb', 'aaa', { twoWay: true, action: 'PUT' })],
    expect: ['rules[1].action: rule "r2" has action PUT but its mutual pair "r1" has ALL; both directions must have the same action'],
  },
  {
    name: 'a mutual pair with different prefixes',
    rules: [rule('r1', 'aaa', 'bbb', { twoWay: true, prefixes: ['x/'] }), back('r2', 'bbb', 'aaa', { twoWay: true, prefixes: ['x/', 'y/'] })],
    expect: ['rules[1].prefixes: rule "r2" has prefixes [x/, y/] but its mutual pair "r1" has [x/]; both directions must have the same prefixes'],
  },
  { name: 'ten prefixes', rules: [rule('r1', 'aaa', 'bbb', { prefixes: tenPrefixes })], expect: [] },
  {
    name: 'eleven prefixes', rules: [rule('r1', 'aaa', 'bbb', { prefixes: [...tenPrefixes, 'p10/'] })],
    expect: ['rules[0].prefixes: rule "r1" has 11 prefixes; OSS allows at most 10'],
  },
  {
    name: 'an empty prefix', rules: [rule('r1', 'aaa', 'bbb', { prefixes: ['x/', ''] })],
    expect: ['rules[0].prefixes[1]: rule "r1": a prefix cannot be empty (leave prefixes out to replicate the whole bucket)'],
  },
  {
    name: 'a prefix under another of the same rule', rules: [rule('r1', 'aaa', 'bbb', { prefixes: ['logs/2026/', 'logs/'] })],
    expect: ['rules[0].prefixes[0]: rule "r1": prefix "logs/2026/" lies under prefix "logs/" of the same rule'],
  },
  {
    name: 'a prefix listed twice', rules: [rule('r1', 'aaa', 'bbb', { prefixes: ['x/', 'x/'] })],
    expect: ['rules[0].prefixes[1]: rule "r1": prefix "x/" is listed twice'],
  },
  { name: 'prefixes that only share a start', rules: [rule('r1', 'aaa', 'bbb', { prefixes: ['log/', 'logs/'] })], expect: [] },
  { name: 'SSE-KMS replication with the replica key', rules: [rule('r1', 'aaa', 'bbb', { replicateSseKms: true, replicaKmsKeyId: 'key-dst' })], expect: [] },
  {
    name: 'replicateSseKms without replicaKmsKeyId', rules: [rule('r1', 'aaa', 'bbb', { replicateSseKms: true })],
    expect: ['rules[0].replicaKmsKeyId: rule "r1" sets replicateSseKms but names no replicaKmsKeyId: the KMS key the replicas of SSE-KMS objects are encrypted with'],
  },
  {
    name: 'replicaKmsKeyId without replicateSseKms', rules: [rule('r1', 'aaa', 'bbb', { replicaKmsKeyId: 'key-dst' })],
    expect: ['rules[0].replicateSseKms: rule "r1" names replicaKmsKeyId but does not set replicateSseKms: true, so SSE-KMS objects would not be replicated'],
  },
  { name: 'destination.encryption SM4 (an SSE-OSS override)', rules: [rule('r1', 'aaa', 'bbb', { destination: { endpoint: 'sh', bucket: 'bbb', encryption: { type: 'SM4' } } })], expect: [] },
];

for (const c of cases) {
  test(`rules: ${c.name} → ${c.expect.length ? 'refused' : 'accepted'}`, () => {
    assert.deepEqual(problems(c.rules), c.expect);
  });
}

test('every problem of a rule set is reported at once, in rule order', () => {
  assert.deepEqual(problems([rule('r1', 'aaa', 'bbb', { twoWay: true, prefixes: [''] }), rule('r2', 'aaa', 'ccc', {}, ['hz', 'hzInternal'])]), [
    'rules[0].prefixes[0]: rule "r1": a prefix cannot be empty (leave prefixes out to replicate the whole bucket)',
    'rules[1].destination.endpoint: rule "r2": source and destination are both in region oss-cn-hangzhou; cross-region replication needs two regions (set sameRegion: true to replicate within one region)',
    'rules[1].source.bucket: bucket "aaa" is already the source of rule "r1"; OSS replicates a bucket to one destination (one-to-one)',
    'rules[0].twoWay: rule "r1" is twoWay but no rule replicates "bbb" back to "aaa"',
  ]);
});

const live: { source: boolean; destination: boolean; twoWay: boolean; expect: string | null }[] = [
  { source: false, destination: false, twoWay: false, expect: null },
  { source: true, destination: true, twoWay: false, expect: null },
  { source: false, destination: false, twoWay: true, expect: null },
  { source: true, destination: false, twoWay: false, expect: 'versioning-mismatch: rule r1: the source bucket is versioned but the destination is not versioned; both must be versioned, or neither' },
  { source: false, destination: true, twoWay: false, expect: 'versioning-mismatch: rule r1: the source bucket is not versioned but the destination is versioned; both must be versioned, or neither' },
  { source: true, destination: true, twoWay: true, expect: 'versioned-two-way: rule r1: two-way replication between versioned buckets is not supported; make the rule one-way or use unversioned buckets' },
];

for (const c of live) {
  test(`live versioning: source ${c.source ? 'versioned' : 'unversioned'}, destination ${c.destination ? 'versioned' : 'unversioned'}${c.twoWay ? ', two-way' : ''} → ${c.expect ? 'halted' : 'runs'}`, () => {
    const p = versioningProblem({ id: 'r1', twoWay: c.twoWay }, c.source, c.destination);
    assert.equal(p ? `${p.reason}: ${p.message}` : null, c.expect);
  });
}
