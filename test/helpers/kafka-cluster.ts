// Test helper: a local KRaft cluster (three combined broker+controller nodes by default) for the one
// test file that needs it, started before its first test on free ports in a data folder of its own,
// and stopped (and removed) after its last. Each node's handle can kill and restart it.
import { after, before } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { start, type BrokerInfo, type NodePorts } from '../../deploy/local/kafka/broker.ts';
import { freePorts } from '../../deploy/local/free-port.ts';

export interface ClusterForFile {
  /** The running cluster: bootstrap list, per-node handles (kill, restart), version. */
  (): BrokerInfo;
  /** Seconds the cluster took to start (for the test's diagnostics). */
  startSeconds(): number;
}

export function kafkaClusterForFile(opts: { brokers?: number; secure?: boolean } = {}): ClusterForFile {
  const size = opts.brokers ?? 3;
  let info: BrokerInfo | undefined;
  let dir: string | undefined;
  let seconds = 0;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'crr-kafka-cluster-'));
    const ports = await freePorts(3 * size);
    const nodePorts: NodePorts[] = Array.from({ length: size }, (_, i) => ({ broker: ports[3 * i], controller: ports[3 * i + 1], secure: ports[3 * i + 2] }));
    const t0 = Date.now();
    info = await start({ brokers: size, nodePorts, secure: opts.secure, dataDir: dir,
      version: process.env.KAFKA_VERSION_UNDER_TEST ?? process.env.KAFKA_VERSION, startTimeoutMs: 150_000 });
    seconds = (Date.now() - t0) / 1000;
  }, { timeout: 240_000 });
  after(async () => {
    // The data is thrown away: no controlled shutdown worth waiting for.
    await info?.stop({ graceMs: 5000 });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const get = (() => {
    if (!info) throw new Error('the Kafka cluster is not up (its before hook failed)');
    return info;
  }) as ClusterForFile;
  get.startSeconds = () => seconds;
  return get;
}
