// The local broker's TLS material, made with the JDK's keytool: a CA (its certificate also as PEM, for
// clients), a PKCS12 keystore with the broker's key and chain (valid for 127.0.0.1 and localhost), a
// truststore holding the CA (for client certificates), and one client certificate and key as PEM
// (keytool cannot write a private key as PEM: openssl unpacks it). Made once per folder, reused after;
// a launcher makes it while the storage tool formats, both being JVMs that start slowly.
// EC P-256 keys: keytool makes them in a fraction of the time an RSA key takes. Store passwords reach
// the tools through the environment, never their command lines.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface CertificateAuthority {
  /** The CA certificate, PEM: what clients trust. */
  caFile: string;
  /** The CA's own PKCS12 store (key and certificate), to sign with. */
  store: string;
  storePassword: string;
}

export interface BrokerTls {
  ca: CertificateAuthority;
  /** PKCS12 keystore with the broker's key and the chain broker → CA (alias "broker"). */
  keystore: string;
  keystorePassword: string;
  /** PKCS12 truststore with the CA: the broker verifies client certificates against it. */
  truststore: string;
  truststorePassword: string;
  /** A client certificate signed by the CA, and its private key, PEM. */
  client: { certFile: string; keyFile: string };
}

// keytool is a short-lived JVM: C1 only and the serial collector start it fastest.
const keytoolJvm = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];
const keyArgs = ['-keyalg', 'EC', '-groupname', 'secp256r1', '-storetype', 'PKCS12', '-validity', '3650'];

interface Tool { done: Promise<string>; stdout: NodeJS.ReadableStream }

function tool(command: string, args: string[], env: Record<string, string>, input?: NodeJS.ReadableStream): Tool {
  const child = spawn(command, command === 'keytool' ? [...keytoolJvm, ...args] : args,
    { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  if (input) input.pipe(child.stdin!);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  child.stdout!.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`${command} could not run (${command === 'keytool' ? 'is a JDK on PATH?' : 'is it installed?'}): ${e.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else reject(new Error(`${command} ${args[0]} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
    });
  });
  return { done, stdout: child.stdout! };
}

/** A PKCS12 store whose password keytool reads from the environment variable CRR_STOREPASS_<n>. */
function store(file: string, password: string, n: string) {
  const variable = `CRR_STOREPASS_${n}`;
  return { args: ['-keystore', file, `-storepass:env`, variable], env: { [variable]: password } };
}

const newPassword = () => randomBytes(12).toString('hex');

/** Makes a self-signed CA in `dir` (replacing one there). Tests use it alone for a CA the broker does not know. */
export async function createCertificateAuthority(dir: string, name = 'crr-local-ca'): Promise<CertificateAuthority> {
  mkdirSync(dir, { recursive: true });
  const ca = { caFile: join(dir, 'ca.pem'), store: join(dir, 'ca.p12'), storePassword: newPassword() };
  rmSync(ca.store, { force: true });
  const s = store(ca.store, ca.storePassword, 'CA');
  await tool('keytool', ['-genkeypair', '-alias', 'ca', '-dname', `CN=${name}`, '-ext', 'bc:c', ...keyArgs, ...s.args], s.env).done;
  await tool('keytool', ['-exportcert', '-rfc', '-alias', 'ca', ...s.args, '-file', ca.caFile], s.env).done;
  return ca;
}

/** The CA signs a key pair's CSR (piped from one keytool into the other) and returns the certificate, PEM. */
function signed(ca: ReturnType<typeof store>, keys: ReturnType<typeof store>, alias: string, ext: string[]): Promise<string> {
  const csr = tool('keytool', ['-certreq', '-alias', alias, ...keys.args], keys.env);
  const cert = tool('keytool', ['-gencert', '-alias', 'ca', ...ca.args, '-rfc', '-validity', '3650', ...ext], ca.env, csr.stdout);
  return Promise.all([csr.done, cert.done]).then(([, pem]) => pem.trim());
}

/** The TLS material of `dir`: the record of a complete earlier make, or a new plan (paths, passwords) to make. */
export function planBrokerTls(dir: string): { tls: BrokerTls; made: boolean } {
  const recordFile = join(dir, 'tls.json');
  if (existsSync(recordFile)) {
    const r = JSON.parse(readFileSync(recordFile, 'utf8')) as Partial<BrokerTls>;
    const files = [r.ca?.caFile, r.ca?.store, r.keystore, r.truststore, r.client?.certFile, r.client?.keyFile];
    if (files.every((f) => f && existsSync(f))) return { tls: r as BrokerTls, made: true };
  }
  return {
    made: false,
    tls: {
      ca: { caFile: join(dir, 'ca.pem'), store: join(dir, 'ca.p12'), storePassword: newPassword() },
      keystore: join(dir, 'broker.p12'), keystorePassword: newPassword(),
      truststore: join(dir, 'truststore.p12'), truststorePassword: newPassword(),
      client: { certFile: join(dir, 'client.pem'), keyFile: join(dir, 'client-key.pem') },
    },
  };
}

/**
 * Makes a planned CA, broker keystore, truststore and client pair (about 5 s of JVMs) in the plan's
 * folder, replacing whatever is there; the record written last marks it complete.
 */
export async function makeBrokerTls(t: BrokerTls, log: (line: string) => void = () => {}): Promise<void> {
  const dir = dirname(t.keystore);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  log(`making a CA, the broker's keystore and a client certificate with keytool in ${dir}`);
  const clientStore = join(dir, 'client.p12');
  const ca = store(t.ca.store, t.ca.storePassword, 'CA');
  const broker = store(t.keystore, t.keystorePassword, 'BROKER');
  const trust = store(t.truststore, t.truststorePassword, 'TRUST');
  const client = store(clientStore, newPassword(), 'CLIENT');

  // Three rounds of JVMs, each round in parallel: the key pairs; the signing and the CA's PEM; then
  // the broker's signed chain installed, the CA trusted, and the client's key unpacked to PEM.
  await Promise.all([
    tool('keytool', ['-genkeypair', '-alias', 'ca', '-dname', 'CN=crr-local-ca', '-ext', 'bc:c', ...keyArgs, ...ca.args], ca.env).done,
    tool('keytool', ['-genkeypair', '-alias', 'broker', '-dname', 'CN=localhost', ...keyArgs, ...broker.args], broker.env).done,
    tool('keytool', ['-genkeypair', '-alias', 'client', '-dname', 'CN=crr-client', ...keyArgs, ...client.args], client.env).done,
  ]);
  const [brokerCert, clientCert] = await Promise.all([
    signed(ca, broker, 'broker', ['-ext', 'SAN=IP:127.0.0.1,DNS:localhost', '-ext', 'EKU=serverAuth', '-ext', 'KU=digitalSignature']),
    signed(ca, client, 'client', ['-ext', 'EKU=clientAuth', '-ext', 'KU=digitalSignature']),
    tool('keytool', ['-exportcert', '-rfc', '-alias', 'ca', ...ca.args, '-file', t.ca.caFile], ca.env).done,
  ]);
  const caPem = readFileSync(t.ca.caFile, 'utf8').trim();
  const chainFile = join(dir, 'broker-chain.pem');
  writeFileSync(chainFile, `${brokerCert}\n${caPem}\n`);
  writeFileSync(t.client.certFile, `${clientCert}\n`);
  await Promise.all([
    tool('keytool', ['-importcert', '-noprompt', '-alias', 'broker', '-file', chainFile, ...broker.args], broker.env).done,
    tool('keytool', ['-importcert', '-noprompt', '-alias', 'ca', '-file', t.ca.caFile, '-storetype', 'PKCS12', ...trust.args], trust.env).done,
    tool('openssl', ['pkcs12', '-in', clientStore, '-nocerts', '-nodes', '-passin', 'env:CRR_STOREPASS_CLIENT', '-out', t.client.keyFile], client.env).done,
  ]);
  // openssl writes bag attributes before the key; clients want the bare PEM block.
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(readFileSync(t.client.keyFile, 'utf8'));
  if (!key) throw new Error(`openssl wrote no private key into ${t.client.keyFile}`);
  writeFileSync(t.client.keyFile, `${key[0]}\n`, { mode: 0o600 });
  writeFileSync(join(dir, 'tls.json'), JSON.stringify(t, null, 2), { mode: 0o600 });
}
