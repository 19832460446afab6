// Formatting the nodes' storage with Kafka's own storage tool: one cluster id for every node, and the
// SCRAM users of the secured listener stored in the metadata log from the start (KIP-900). A marker
// records what the folder was formatted for; any change (version, voters, users) formats it again.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFiles, type ClusterShape } from './node.ts';
import { scramFormatArgs, usersFingerprint } from './secure-listener.ts';

/** A cluster id as Kafka makes them: 16 random bytes, base64url, never starting with '-' (it would read as an option). */
export function clusterUuid(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function runJava(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => out.push(d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output: Buffer.concat(out).toString('utf8') }));
  });
}

/** What a folder is formatted for. */
function signature(version: string, shape: ClusterShape): string {
  // A single plain node keeps the bare version its folders have always recorded.
  if (shape.nodes.length === 1 && !shape.security) return version;
  const voters = shape.nodes.map((n) => `${n.id}@${n.ports.controller}`).join(',');
  return [version, `voters=${voters}`, ...(shape.security ? [`users=${usersFingerprint(shape.security.users)}`] : [])].join(' ');
}

/** Formats every node's log dirs (in parallel, one JVM each) unless the folder is formatted for this shape already. */
export async function formatStorage(dataDir: string, version: string, shape: ClusterShape, classpath: string): Promise<void> {
  const marker = join(dataDir, 'formatted-version');
  const wanted = signature(version, shape);
  if (existsSync(marker) && readFileSync(marker, 'utf8') === wanted) return;
  const clusterId = clusterUuid();
  const scram = shape.security ? scramFormatArgs(shape.security.users) : [];
  await Promise.all(shape.nodes.map(async (n) => {
    const f = nodeFiles(n.dir);
    rmSync(f.logDirs, { recursive: true, force: true });
    const result = await runJava(['-Xmx256m', '-XX:TieredStopAtLevel=1', `-Dlog4j2.configurationFile=${f.log4jFile}`, '-cp', classpath,
      'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId}`, '-c', f.configFile, ...scram]);
    // The tool's output never holds the SCRAM passwords; its arguments do, so they are not repeated.
    if (result.code !== 0) throw new Error(`kafka storage format of node ${n.id} failed:\n${result.output}`);
  }));
  writeFileSync(marker, wanted);
}
