// The local broker's TLS material, made with the JDK's keytool: a CA (its certificate also as PEM, for
// clients) and a PKCS12 keystore holding the broker's key and its certificate chain, valid for
// 127.0.0.1 and localhost. Made once per folder; later starts reuse it. EC P-256 keys: keytool makes
// them in a fraction of the time an RSA key takes.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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
}

// keytool is a short-lived JVM: C1 only and the serial collector start it fastest.
const keytoolJvm = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC'];
const keyArgs = ['-keyalg', 'EC', '-groupname', 'secp256r1', '-storetype', 'PKCS12', '-validity', '3650'];

interface Run { args: string[]; input?: NodeJS.ReadableStream }

function keytool({ args, input }: Run): { done: Promise<string>; stdout: NodeJS.ReadableStream } {
  const child = spawn('keytool', [...keytoolJvm, ...args], { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  if (input) input.pipe(child.stdin!);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stderr!.on('data', (d: Buffer) => err.push(d));
  const stdout = child.stdout!;
  stdout.on('data', (d: Buffer) => out.push(d));
  const done = new Promise<string>((resolve, reject) => {
    child.once('error', (e) => reject(new Error(`keytool could not run (is a JDK on PATH?): ${e.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      // keytool prints no secrets; its arguments hold store passwords, so they are not repeated here.
      else reject(new Error(`keytool ${args[0]} failed (exit ${code}): ${Buffer.concat(err).toString('utf8').trim()}`));
    });
  });
  return { done, stdout };
}

const run = (args: string[]) => keytool({ args }).done;

/** Makes a self-signed CA in `dir` (replacing one there). Tests use it alone for a CA the broker does not know. */
export async function createCertificateAuthority(dir: string, name = 'crr-local-ca'): Promise<CertificateAuthority> {
  mkdirSync(dir, { recursive: true });
  const ca = { caFile: join(dir, 'ca.pem'), store: join(dir, 'ca.p12'), storePassword: randomBytes(12).toString('hex') };
  rmSync(ca.store, { force: true });
  await run(['-genkeypair', '-alias', 'ca', '-dname', `CN=${name}`, '-ext', 'bc:c', ...keyArgs, '-keystore', ca.store, '-storepass', ca.storePassword]);
  await run(['-exportcert', '-rfc', '-alias', 'ca', '-keystore', ca.store, '-storepass', ca.storePassword, '-file', ca.caFile]);
  return ca;
}

/** The broker's CA and keystore in `dir`: reused when a previous start made them, made otherwise (about 5 s). */
export async function ensureBrokerTls(dir: string, log: (line: string) => void = () => {}): Promise<BrokerTls> {
  const recordFile = join(dir, 'tls.json');
  if (existsSync(recordFile)) {
    const record = JSON.parse(readFileSync(recordFile, 'utf8')) as BrokerTls;
    if ([record.ca.caFile, record.ca.store, record.keystore].every((f) => existsSync(f))) return record;
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  log(`making a CA and the broker's keystore with keytool in ${dir}`);
  const ca: CertificateAuthority = { caFile: join(dir, 'ca.pem'), store: join(dir, 'ca.p12'), storePassword: randomBytes(12).toString('hex') };
  const keystore = join(dir, 'broker.p12');
  const keystorePassword = randomBytes(12).toString('hex');
  const caStore = ['-keystore', ca.store, '-storepass', ca.storePassword];
  const brokerStore = ['-keystore', keystore, '-storepass', keystorePassword];

  // Three rounds of JVMs, each round in parallel: both key pairs; the signing (CSR piped into the CA)
  // and the CA's PEM; then the signed chain installed as the broker key's certificate reply.
  await Promise.all([
    run(['-genkeypair', '-alias', 'ca', '-dname', 'CN=crr-local-ca', '-ext', 'bc:c', ...keyArgs, ...caStore]),
    run(['-genkeypair', '-alias', 'broker', '-dname', 'CN=localhost', ...keyArgs, ...brokerStore]),
  ]);
  const csr = keytool({ args: ['-certreq', '-alias', 'broker', ...brokerStore] });
  const [, signed] = await Promise.all([
    csr.done,
    keytool({ args: ['-gencert', '-alias', 'ca', ...caStore, '-rfc', '-validity', '3650', '-ext', 'SAN=IP:127.0.0.1,DNS:localhost',
      '-ext', 'EKU=serverAuth', '-ext', 'KU=digitalSignature'], input: csr.stdout }).done,
    run(['-exportcert', '-rfc', '-alias', 'ca', ...caStore, '-file', ca.caFile]),
  ]);
  const chainFile = join(dir, 'broker-chain.pem');
  writeFileSync(chainFile, `${signed.trim()}\n${readFileSync(ca.caFile, 'utf8').trim()}\n`);
  await run(['-importcert', '-noprompt', '-alias', 'broker', '-file', chainFile, ...brokerStore]);
  const record: BrokerTls = { ca, keystore, keystorePassword };
  writeFileSync(recordFile, JSON.stringify(record, null, 2), { mode: 0o600 });
  return record;
}
