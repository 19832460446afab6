// The rules control plane's pure parts: a rule survives its trip through the Avro record; the file's rules
// merged over the topic's are checked as a whole set (naming the rule and field) and diffed; the live set
// tells its listeners of each change and remembers tombstoned ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ruleSchema, type EndpointConfig, type RuleConfig } from '../../../core/config/schema.ts';
import { planApply, parseRulesFile } from '../../../core/rules/apply-plan.ts';
import { RuleSetState, type RuleChange } from '../../../core/rules/live-rules.ts';
import { entryFromRecord, ruleRecord, type RuleEntry } from '../../../core/rules/rule-record.ts';
import { readRuleRecord } from '../../../core/rules/rules-view.ts';
import { decode, encode } from '../../../schemas/codec.ts';

const endpoints: Record<string, EndpointConfig> = Object.fromEntries([['hz', 'oss-cn-hangzhou'], ['sh', 'oss-cn-shanghai']].map(([name, region]) => [name,
  { endpoint: `http://${name}.local`, region, accessKeyIdEnv: 'AK', accessKeySecretEnv: 'SK', accelerate: false, addressing: 'virtual-hosted', cname: false, signatureVersion: 'v4', timeoutMs: 1000 } as EndpointConfig]));

const rule = (id: string, src: string, dst: string, extra: Record<string, unknown> = {}): RuleConfig =>
  ruleSchema.parse({ id, source: { endpoint: 'hz', bucket: src }, destination: { endpoint: 'sh', bucket: dst }, ...extra });
const held = (r: RuleConfig, state: RuleEntry['state'] = 'ACTIVE'): [string, RuleEntry] => [r.id, { rule: r, state, updatedAt: 1 }];

test('a rule, every field set, travels through the Avro record unchanged; its state beside it', () => {
  const full = ruleSchema.parse({ id: 'full', source: { endpoint: 'hz', bucket: 'src-a' },
    destination: { endpoint: 'sh', bucket: 'dst-a', storageClass: 'IA', encryption: { type: 'KMS', keyId: 'k1' }, maxBytesPerSecond: 1 << 20 },
    prefixes: ['a/', 'b/'], action: 'PUT', twoWay: false, historical: true, sameRegion: true });
  const back = entryFromRecord(decode('Rule', encode('Rule', ruleRecord(full, 'PAUSED', 42))));
  assert.deepEqual(back, { rule: full, state: 'PAUSED', updatedAt: 42 });
  const plain = rule('plain', 'src-b', 'dst-b', { destination: { endpoint: 'sh', bucket: 'dst-b', encryption: { type: 'AES256' } } });
  assert.deepEqual(entryFromRecord(decode('Rule', encode('Rule', ruleRecord(plain, 'ACTIVE', 1)))).rule, plain);
  // A process whose config lacks an endpoint the rule names cannot run it.
  assert.throws(() => readRuleRecord(encode('Rule', ruleRecord(rule('far', 'src-c', 'dst-c', { destination: { endpoint: 'fra', bucket: 'dst-c' } }), 'ACTIVE', 1)), endpoints),
    /destination endpoint "fra", which this process's config lacks/);
});

test('apply: the diff of the file against the topic; a rule absent from the file is kept', () => {
  const topic = new Map([held(rule('a', 'src-a', 'dst-a')), held(rule('b', 'src-b', 'dst-b'), 'PAUSED'), held(rule('c', 'src-c', 'dst-c'))]);
  const plan = planApply([rule('a', 'src-a', 'dst-a'), rule('b', 'src-b', 'dst-b', { prefixes: ['x/'] }), rule('d', 'src-d', 'dst-d')], topic, endpoints, 'f.yaml');
  assert.deepEqual({ added: plan.added.map((r) => r.id), changed: plan.changed.map((r) => r.id), unchanged: plan.unchanged, kept: plan.kept },
    { added: ['d'], changed: ['b'], unchanged: ['a'], kept: ['c'] });
});

test('apply: the whole resulting set is checked with every constraint, naming the rule and the field', () => {
  const topic = new Map([held(rule('a', 'src-a', 'dst-a'))]);
  const problems = (rules: RuleConfig[]) => {
    try {
      planApply(rules, topic, endpoints, 'f.yaml');
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'INVALID_CONFIG');
      return (err as { context: { problems: string[] } }).context.problems;
    }
    return [];
  };
  // One-to-one against a rule only on the topic, an unknown endpoint, a duplicate id, a prefix under another.
  assert.deepEqual(problems([rule('x', 'src-a', 'dst-x')]), [
    'rule "a" (on the rules topic).source.bucket: bucket "src-a" is already the source of rule "x"; OSS replicates a bucket to one destination (one-to-one)',
  ]);
  assert.deepEqual(problems([rule('y', 'src-y', 'dst-y', { destination: { endpoint: 'nowhere', bucket: 'dst-y' } })]),
    ['rules[0] (rule "y").destination.endpoint: no endpoint named "nowhere"']);
  assert.deepEqual(problems([rule('z', 'src-z', 'dst-z'), rule('z', 'src-w', 'dst-w')]), ['rules[1] (rule "z").id: duplicate rule id "z"']);
  assert.match(problems([rule('p', 'src-p', 'dst-p', { prefixes: ['a/', 'a/b/'] })])[0]!, /^rules\[0\] \(rule "p"\)\.prefixes\[1\]: .*lies under prefix "a\/"/);
  // The file's fields are checked by the config's rule schema, with the rule's id and path.
  assert.throws(() => parseRulesFile({ rules: [{ id: 'q', source: { endpoint: 'hz', bucket: 'src-q' }, destination: { endpoint: 'sh', bucket: 'dst-q' }, action: 'SOME' }] }, 'f.yaml'),
    /rules\[0\] \(rule "q"\)\.action: /);
  assert.throws(() => parseRulesFile({ endpoints: {} }, 'f.yaml'), /rules: a list of at least one rule is required/);
});

test('the live set: each change is told (added, paused, deleted); a tombstoned id stays seen', () => {
  const state = new RuleSetState();
  const changes: RuleChange[] = [];
  state.onChange((c) => changes.push(c));
  const a = rule('a', 'src-a', 'dst-a');
  state.apply('a', { rule: a, state: 'ACTIVE', updatedAt: 1 });
  state.apply('a', { rule: a, state: 'PAUSED', updatedAt: 2 });
  state.apply('a', undefined);
  assert.equal(state.apply('never', undefined), undefined, 'a tombstone of an unknown id changes nothing');
  assert.deepEqual(changes.map((c) => [c.id, c.before?.state ?? null, c.after?.state ?? null]), [['a', null, 'ACTIVE'], ['a', 'ACTIVE', 'PAUSED'], ['a', 'PAUSED', null]]);
  assert.equal(state.entries().size, 0);
  assert.deepEqual([...state.seen].sort(), ['a', 'never']);
});
