// Loads and validates the YAML config: schema errors and cross-references (a rule naming an unknown
// endpoint, a duplicate rule id) become one CrrError whose message names every bad field.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CrrError } from '../errors.ts';
import { topicNames, type TopicNames } from '../topic-table.ts';
import { readStsFile } from '../adapters/oss/credentials/sts-file.ts';
import { ruleSetProblems } from './rule-set-problems.ts';
import { configSchema, type CrrConfigFile, type EndpointConfig } from './schema.ts';

export interface Credentials { accessKeyId: string; accessKeySecret: string }

/** Where an endpoint's credentials come from (core/adapters/oss/credentials builds the provider). */
export type CredentialSource =
  | { kind: 'env'; env: NodeJS.ProcessEnv; accessKeyIdEnv: string; accessKeySecretEnv: string; securityTokenEnv?: string }
  | { kind: 'sts-file'; file: string }
  | { kind: 'ecs-ram-role'; role?: string; metadataUrl: string };

export interface CrrConfig extends CrrConfigFile {
  topicNames: TopicNames;
  /** Resolves an endpoint's key pair from the environment given at start (endpoints with accessKeyIdEnv only). */
  credentials(endpointName: string): Credentials;
  credentialSource(endpointName: string): CredentialSource;
  /** The PEM bundle the endpoint's caFile held at start. */
  ca(endpointName: string): string | undefined;
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

/**
 * Which secrets must be in the environment: a long-running command needs all of them; a one-shot command
 * only those it uses (the Kafka password is always needed).
 */
export interface SecretNeeds {
  /** The endpoints whose key pair is needed (default: every endpoint). */
  endpoints?: (cfg: CrrConfigFile) => Iterable<string>;
  /** The receiver's token (default: needed when a receiver is configured). */
  receiver?: boolean;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv, source = '(inline)', needs: SecretNeeds = {}): CrrConfig {
  const result = configSchema.safeParse(raw);
  if (!result.success) invalid(result.error.issues.map((i) => `${fieldPath(i.path)}: ${i.message}`), source);
  const cfg = result.data;
  const problems: string[] = ruleSetProblems(cfg.rules, cfg.endpoints);
  const ids = new Set(cfg.rules.map((r) => r.id));
  cfg.capture.poller?.rules.forEach((id, i) => {
    // A pattern may match only rules the rules topic holds; an exact id must be a rule of the file (a typo is caught).
    if (!id.includes('*') && !ids.has(id)) problems.push(`capture.poller.rules[${i}]: no rule with id "${id}" (a rule that lives only on the rules topic is polled through a pattern such as "*")`);
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
  const cas = new Map<string, string>();
  const needed = new Set(needs.endpoints ? needs.endpoints(cfg) : Object.keys(cfg.endpoints));
  for (const [name, ep] of Object.entries(cfg.endpoints)) {
    const at = `endpoints.${name}`;
    if (ep.cname && ep.addressing === 'path') problems.push(`${at}.cname: a custom domain names its bucket itself; it cannot be addressed path style`);
    if (ep.cname && ep.accelerate) problems.push(`${at}.accelerate: a custom domain is its own host; acceleration needs the bucket's OSS name`);
    if (ep.accelerateEndpoint && !ep.accelerate) problems.push(`${at}.accelerateEndpoint: set accelerate: true to use it`);
    problems.push(...credentialProblems(at, ep, needed.has(name) ? env : undefined));
    if (ep.caFile) {
      if (!ep.endpoint.startsWith('https:') && !ep.accelerateEndpoint?.startsWith('https:')) problems.push(`${at}.caFile: the endpoint is not https`);
      let pem: string | undefined;
      try {
        pem = readFileSync(ep.caFile, 'utf8');
      } catch (err) {
        problems.push(`${at}.caFile: cannot read ${ep.caFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      try {
        if (pem !== undefined) {
          new X509Certificate(pem);
          cas.set(name, pem);
        }
      } catch {
        problems.push(`${at}.caFile: ${ep.caFile} does not hold a PEM certificate`);
      }
    }
  }
  if (needs.receiver !== false && cfg.capture.receiver && !env[cfg.capture.receiver.tokenEnv]) {
    problems.push(`capture.receiver.tokenEnv: environment variable ${cfg.capture.receiver.tokenEnv} is not set`);
  }
  if (problems.length) invalid(problems, source);
  const credentialSourceOf = (name: string): CredentialSource => {
    const ep = cfg.endpoints[name];
    if (!ep) throw new CrrError(`no endpoint named "${name}"`, { code: 'INVALID_CONFIG', stage: 'config' });
    if (ep.stsFile) return { kind: 'sts-file', file: ep.stsFile };
    if (ep.ecsRamRole) return { kind: 'ecs-ram-role', role: ep.ecsRamRole.role, metadataUrl: ep.ecsRamRole.metadataUrl };
    return { kind: 'env', env, accessKeyIdEnv: ep.accessKeyIdEnv!, accessKeySecretEnv: ep.accessKeySecretEnv!, securityTokenEnv: ep.securityTokenEnv };
  };

  return {
    ...cfg,
    topicNames: topicNames(cfg.topics.prefix),
    credentials(endpointName) {
      const source = credentialSourceOf(endpointName);
      if (source.kind !== 'env') throw new CrrError(`endpoint "${endpointName}" has no key pair in the environment`, { code: 'INVALID_CONFIG', stage: 'config' });
      const [accessKeyId, accessKeySecret] = [env[source.accessKeyIdEnv], env[source.accessKeySecretEnv]];
      // A one-shot command checked only the endpoints it said it uses.
      if (!accessKeyId || !accessKeySecret) {
        throw new CrrError(`endpoints.${endpointName}: environment variable ${accessKeyId ? source.accessKeySecretEnv : source.accessKeyIdEnv} is not set`, {
          code: 'INVALID_CONFIG', stage: 'config' });
      }
      return { accessKeyId, accessKeySecret };
    },
    credentialSource: (name) => credentialSourceOf(name),
    ca: (name) => cas.get(name),
    endpoint(name) {
      const ep = cfg.endpoints[name];
      if (!ep) throw new CrrError(`no endpoint named "${name}"`, { code: 'INVALID_CONFIG', stage: 'config' });
      return ep;
    },
  };
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv, needs: SecretNeeds = {}): CrrConfig {
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
  return parseConfig(raw, env, file, needs);
}

/** One source of credentials per endpoint, each checked at start: variables set, the STS file readable and whole. */
/** Problems of an endpoint's credentials; without `env` (an endpoint the command does not use) only the config's shape. */
function credentialProblems(at: string, ep: EndpointConfig, env: NodeJS.ProcessEnv | undefined): string[] {
  const problems: string[] = [];
  const keys = ep.accessKeyIdEnv !== undefined || ep.accessKeySecretEnv !== undefined || ep.securityTokenEnv !== undefined;
  const sources = [keys, ep.stsFile !== undefined, ep.ecsRamRole !== undefined].filter(Boolean).length;
  if (sources !== 1) {
    return [`${at}: needs one source of credentials: accessKeyIdEnv + accessKeySecretEnv (and securityTokenEnv for STS), stsFile, or ecsRamRole${sources ? ' (not several)' : ''}`];
  }
  if (keys) {
    for (const field of ['accessKeyIdEnv', 'accessKeySecretEnv', 'securityTokenEnv'] as const) {
      const name = ep[field];
      if (name === undefined) {
        if (field !== 'securityTokenEnv') problems.push(`${at}.${field}: required with the other key variables`);
      } else if (env && !env[name]) {
        problems.push(`${at}.${field}: environment variable ${name} is not set`);
      }
    }
  }
  if (ep.stsFile && env) {
    try {
      readStsFile(ep.stsFile);
    } catch (err) {
      // A read failure has a Node code; a parse failure says which field, never a value.
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(`${at}.stsFile: ${code && !code.startsWith('ERR_') ? `cannot read ${ep.stsFile}: ${code}` : `${ep.stsFile}: ${(err as Error).message}`}`);
    }
  }
  return problems;
}
