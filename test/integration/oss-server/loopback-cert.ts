// Test helper: a throwaway CA and a server certificate for loopback, made with openssl: SANs 127.0.0.1,
// ::1, localhost, *.localhost, *.<region>.aliyuncs.com and any extra names, valid one day. PEM files in a
// fresh folder. Note: Node's TLS check (like browsers') matches no wildcard over a single label, so
// `*.localhost` does not cover `b1.localhost` for a Node client: give such names as `extraNames`, or use
// the region's name (`b1.oss-cn-hangzhou.aliyuncs.com`, covered by its wildcard), which the server serves too.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoopbackCert { dir: string; caFile: string; certFile: string; keyFile: string; ca: Buffer; cert: Buffer; key: Buffer; remove(): Promise<void> }

export async function makeLoopbackCert(extraNames: string[] = [], region = 'oss-cn-hangzhou'): Promise<LoopbackCert> {
  const dir = await mkdtemp(join(tmpdir(), 'crr-tls-'));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=crr-test-ca');
  ssl('req', ...ec, '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=localhost');
  const dns = ['localhost', '*.localhost', `*.${region}.aliyuncs.com`, ...extraNames].map((n) => `DNS:${n}`).join(',');
  await writeFile(f('ext.cnf'), [`subjectAltName=IP:127.0.0.1,IP:::1,${dns}`, 'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth', ''].join('\n'));
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.pem'),
    '-days', '1', '-extfile', f('ext.cnf'));
  return {
    dir, caFile: f('ca.pem'), certFile: f('server.pem'), keyFile: f('server.key'),
    ca: await readFile(f('ca.pem')), cert: await readFile(f('server.pem')), key: await readFile(f('server.key')),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
