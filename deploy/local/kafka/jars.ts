// Fetches the Kafka broker's jars from Maven Central once, into an ignored cache folder, so that
// later starts need no network. A `.complete` file marks a finished fetch; a partial one is redone.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { projectRoot } from '../project-root.ts';

const here = dirname(fileURLToPath(import.meta.url));
const pomPath = join(here, 'pom.xml');

export function jarsDir(version: string, cacheRoot = join(projectRoot, '.cache', 'kafka')): string {
  return join(cacheRoot, version, 'libs');
}

/** Returns the folder holding every jar of the broker at `version`, downloading it if needed. */
export function ensureJars(version: string, cacheRoot?: string, log: (line: string) => void = () => {}): string {
  const dir = jarsDir(version, cacheRoot);
  const marker = join(dir, '.complete');
  // The marker records the pom it was fetched with, so editing the pom refetches.
  const pomHash = createHash('sha256').update(readFileSync(pomPath)).digest('hex').slice(0, 16);
  if (existsSync(marker) && readFileSync(marker, 'utf8').startsWith(pomHash)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  log(`fetching Apache Kafka ${version} jars from Maven Central into ${dir}`);
  const result = spawnSync(
    'mvn',
    ['-B', '-q', '-f', pomPath, `-Dkafka.version=${version}`, 'dependency:copy-dependencies',
      `-DoutputDirectory=${dir}`, '-DincludeScope=runtime'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.split('\n').slice(-30).join('\n');
    throw new Error(`mvn could not fetch Kafka ${version} (exit ${result.status ?? result.signal}):\n${output}`);
  }
  const jars = readdirSync(dir).filter((f) => f.endsWith('.jar'));
  if (!jars.some((f) => f.startsWith('kafka_2.13-'))) throw new Error(`mvn finished but no kafka_2.13 jar is in ${dir}`);
  writeFileSync(marker, `${pomHash} ${new Date().toISOString()} ${jars.length} jars\n`);
  return dir;
}
