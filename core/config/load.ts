// Loads and validates the YAML config: schema errors and cross-references (a rule naming an unknown
// endpoint, a duplicate rule id) become one CrrError whose message names every bad field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CrrError } from '../errors.ts';
import { topicNames, type TopicNames } from '../topic-table.ts';
import { configSchema, type CrrConfigFile, type EndpointConfig } from './schema.ts';

export interface Credentials { accessKeyId: string; accessKeySecret: string }

export interface CrrConfig extends CrrConfigFile {
  topicNames: TopicNames;
  /** Resolves an endpoint's credentials from the environment given at start. */
  credentials(endpointName: string): Credentials;
  endpoint(name: string): EndpointConfig;
}

function fieldPath(path: PropertyKey[]): string {
  return path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '') || '(root)';
}

function invalid(problems: string[], source: string): never {
  throw new CrrError(`invalid config ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
    code: 'INVALID_CONFIG', stage: 'config', context: { problems },
  });
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, source = '(inline)'): CrrConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) invalid(result.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`), source);
  const cfg = result.data;
  const problems: string[] = [];
  const ids = new Set<string>();
  cfg.rules.forEach((rule, i) => {
    if (ids.has(rule.id)) problems.push(`rules[${i}].id: duplicate rule id "${rule.id}"`);
    ids.add(rule.id);
    for (const side of ['source', 'destination'] as const) {
      if (!cfg.endpoints[rule[side].endpoint]) problems.push(`rules[${i}].${side}.endpoint: no endpoint named "${rule[side].endpoint}"`);
    }
    if (rule.source.endpoint === rule.destination.endpoint && rule.source.bucket === rule.destination.bucket) {
      problems.push(`rules[${i}].destination.bucket: a rule cannot replicate a bucket onto itself`);
    }
  });
  cfg.capture.poller?.rules.forEach((id, i) => {
    if (!ids.has(id)) problems.push(`capture.poller.rules[${i}]: no rule with id "${id}"`);
  });
  const tls = cfg.kafka.ssl;
  if (typeof tls === 'object' && Boolean(tls.certFile) !== Boolean(tls.keyFile)) {
    problems.push(tls.certFile ? 'kafka.ssl.keyFile: required with kafka.ssl.certFile' : 'kafka.ssl.certFile: required with kafka.ssl.keyFile');
  }
  const { replicationFactor, minInsyncReplicas } = cfg.topics;
  if (minInsyncReplicas !== undefined && minInsyncReplicas > replicationFactor) {
    problems.push(`topics.minInsyncReplicas: ${minInsyncReplicas} is more than topics.replicationFactor ${replicationFactor}: no acks=all write could succeed`);
  }
  if (cfg.kafka.sasl && !env[cfg.kafka.sasl.passwordEnv]) problems.push(`kafka.sasl.passwordEnv: environment variable ${cfg.kafka.sasl.passwordEnv} is not set`);
  for (const [name, ep] of Object.entries(cfg.endpoints)) {
    if (ep.cname && ep.addressing === 'path') problems.push(`endpoints.${name}.cname: a custom domain names its bucket itself; it cannot be addressed path style`);
    for (const field of ['accessKeyIdEnv', 'accessKeySecretEnv'] as const) {
      if (!env[ep[field]]) problems.push(`endpoints.${name}.${field}: environment variable ${ep[field]} is not set`);
    }
  }
  if (cfg.capture.receiver && !env[cfg.capture.receiver.tokenEnv]) {
    problems.push(`capture.receiver.tokenEnv: environment variable ${cfg.capture.receiver.tokenEnv} is not set`);
  }
  if (problems.length) invalid(problems, source);

  return {
    ...cfg,
    topicNames: topicNames(cfg.topics.prefix),
    credentials(endpointName) {
      const ep = cfg.endpoints[endpointName];
      if (!ep) throw new CrrError(`no endpoint named "${endpointName}"`, { code: 'INVALID_CONFIG', stage: 'config' });
      return { accessKeyId: env[ep.accessKeyIdEnv]!, accessKeySecret: env[ep.accessKeySecretEnv]! };
    },
    endpoint(name) {
      const ep = cfg.endpoints[name];
      if (!ep) throw new CrrError(`no endpoint named "${name}"`, { code: 'INVALID_CONFIG', stage: 'config' });
      return ep;
    },
  };
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv): CrrConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CrrError(`cannot read config file ${file}: ${(err as Error).message}`, { code: 'INVALID_CONFIG', stage: 'config', cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new CrrError(`config file ${file} is not valid YAML: ${(err as Error).message}`, { code: 'INVALID_CONFIG', stage: 'config', cause: err });
  }
  return parseConfig(raw, env, file);
}
