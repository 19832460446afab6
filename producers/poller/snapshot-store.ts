// Where the poller keeps each bucket's last listing: the bus's compacted state topic, not one host's disk,
// so a poller restarted anywhere resumes where the last one stopped. A snapshot is its chunks (one record
// each, key `poller/<bucket>/<generation>/<i>`) and then a manifest (key `poller/<bucket>`) naming the
// generation and its chunk count: a snapshot counts only once its manifest is acknowledged, so a crash
// mid-save leaves the previous one in force. Chunks no manifest names (older generations, or a save cut
// short) get tombstones on the next save, and compaction drops them.
import { randomBytes } from 'node:crypto';
import type { BusProducer, InboundMessage } from '../../core/ports/bus.ts';
import type { Logger } from '../../core/logging.ts';

export interface SnapshotStore {
  /** The bucket's last saved listing as chunks, or null when none was ever saved (the next poll is a baseline). */
  get(bucket: string): Promise<Buffer[] | null>;
  /** Saves a bucket's listing; resolves once Kafka acknowledged all of it. */
  put(bucket: string, chunks: Buffer[], entries: number): Promise<void>;
  /** Forgets a bucket no rule polls any more: its next poll, should a rule poll it again, is a baseline. */
  drop(bucket: string): Promise<void>;
}

export interface SnapshotManifest { generation: string; chunks: number; entries: number; bytes: number; savedAt: number }

export interface KafkaSnapshotStoreOptions {
  producer: BusProducer;
  topic: string;
  /** Reads the state topic from its start to its current end (core/adapters/kafka/read-to-end.ts). */
  readState: (onRecord: (m: InboundMessage) => void) => Promise<void>;
  logger: Logger;
}

const PREFIX = 'poller/';

interface Held { manifest: SnapshotManifest | null; chunks: Buffer[] | null; stale: Set<string> }

export function manifestKey(bucket: string): string {
  return `${PREFIX}${bucket}`;
}

function chunkKey(bucket: string, generation: string, index: number): string {
  return `${PREFIX}${bucket}/${generation}/${index}`;
}

export class KafkaSnapshotStore implements SnapshotStore {
  private loaded: Promise<Map<string, Held>> | null = null;

  constructor(private readonly opts: KafkaSnapshotStoreOptions) {}

  /** One read of the state topic at the first use: every bucket's manifest in force and the chunks it names. */
  private load(): Promise<Map<string, Held>> {
    this.loaded ??= (async () => {
      const manifests = new Map<string, SnapshotManifest | null>();
      const chunks = new Map<string, Map<string, Buffer>>();
      await this.opts.readState((m) => {
        const key = m.key?.toString('utf8') ?? '';
        if (!key.startsWith(PREFIX)) return;
        const [bucket, generation, index] = key.slice(PREFIX.length).split('/');
        if (generation === undefined) {
          manifests.set(bucket, m.value ? JSON.parse(m.value.toString('utf8')) as SnapshotManifest : null);
          return;
        }
        const held = chunks.get(bucket) ?? new Map<string, Buffer>();
        chunks.set(bucket, held);
        if (m.value) held.set(`${generation}/${index}`, m.value);
        else held.delete(`${generation}/${index}`);
      });
      const out = new Map<string, Held>();
      for (const bucket of new Set([...manifests.keys(), ...chunks.keys()])) {
        const manifest = manifests.get(bucket) ?? null;
        const held = chunks.get(bucket) ?? new Map<string, Buffer>();
        let current: Buffer[] | null = null;
        if (manifest) {
          current = Array.from({ length: manifest.chunks }, (_, i) => held.get(`${manifest.generation}/${i}`)).filter((c): c is Buffer => c !== undefined);
          if (current.length !== manifest.chunks) {
            // Should compaction or a hand ever lose a chunk, a baseline is safer than a diff against a partial listing.
            this.opts.logger.warn({ bucket, generation: manifest.generation, have: current.length, want: manifest.chunks },
              'the poller snapshot in the state topic is incomplete; the next poll takes a new baseline');
            current = null;
          }
        }
        const stale = new Set([...held.keys()].filter((k) => !manifest || !k.startsWith(`${manifest.generation}/`)).map((k) => `${PREFIX}${bucket}/${k}`));
        out.set(bucket, { manifest: current ? manifest : null, chunks: current, stale });
      }
      return out;
    })();
    this.loaded.catch(() => { this.loaded = null; });
    return this.loaded;
  }

  async get(bucket: string): Promise<Buffer[] | null> {
    return (await this.load()).get(bucket)?.chunks ?? null;
  }

  async put(bucket: string, chunks: Buffer[], entries: number): Promise<void> {
    const all = await this.load();
    const held = all.get(bucket) ?? { manifest: null, chunks: null, stale: new Set<string>() };
    const generation = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
    // One record per send: a chunk is near the broker's message size limit, and a batch of them would be over it.
    for (let i = 0; i < chunks.length; i++) await this.opts.producer.send(this.opts.topic, [{ key: chunkKey(bucket, generation, i), value: chunks[i] }]);
    const manifest: SnapshotManifest = { generation, chunks: chunks.length, entries, bytes: chunks.reduce((n, c) => n + c.length, 0), savedAt: Date.now() };
    await this.opts.producer.send(this.opts.topic, [{ key: manifestKey(bucket), value: Buffer.from(JSON.stringify(manifest)) }]);
    const stale = [...held.stale];
    if (held.manifest) for (let i = 0; i < held.manifest.chunks; i++) stale.push(chunkKey(bucket, held.manifest.generation, i));
    const next: Held = { manifest, chunks, stale: new Set() };
    all.set(bucket, next);
    await this.tombstone(bucket, stale, next.stale);
  }

  async drop(bucket: string): Promise<void> {
    const all = await this.load();
    const held = all.get(bucket);
    if (!held) return;
    // The manifest first: once it is gone the snapshot no longer counts, whatever happens to its chunks.
    await this.opts.producer.send(this.opts.topic, [{ key: manifestKey(bucket), value: null }]);
    const stale = [...held.stale];
    if (held.manifest) for (let i = 0; i < held.manifest.chunks; i++) stale.push(chunkKey(bucket, held.manifest.generation, i));
    const next: Held = { manifest: null, chunks: null, stale: new Set() };
    all.set(bucket, next);
    await this.tombstone(bucket, stale, next.stale);
  }

  /** Tombstones are tidying: a failure leaves only records the next save or compaction removes. */
  private async tombstone(bucket: string, stale: string[], retry: Set<string>): Promise<void> {
    for (let i = 0; i < stale.length; i += 500) {
      await this.opts.producer.send(this.opts.topic, stale.slice(i, i + 500).map((key) => ({ key, value: null }))).catch((err) => {
        for (const key of stale) retry.add(key);
        this.opts.logger.warn({ bucket, err: (err as Error).message }, 'could not tombstone old poller snapshot chunks; the next save retries');
      });
    }
  }
}
