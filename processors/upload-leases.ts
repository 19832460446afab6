// Which multipart uploads on a destination this tool started, and whether anyone still writes them: the
// one rule every cleanup (a key's left-upload cleanup, the upload janitor) asks before it aborts.
//
// ListMultipartUploads lists only key, upload id, initiation time and storage class, and what an upload was
// initiated with is readable nowhere, so who started an upload is recorded on the bus: one record per copy
// on the compacted `uploads` topic (key `<bucket>/<copyId>`). It is acknowledged before the upload is
// initiated (bucket, key, time), again with the upload id right after, and tombstoned when the copy completes
// or aborts it; so a crash at any point leaves a record that names the upload, or names its key and a time
// just before its initiation. Whether anyone still writes an upload is OSS's own record: the latest of its
// initiation and its parts' LastModified (ListParts) is its heartbeat, so a long copy (50 GB and more) stays
// live as long as parts keep landing, with no timer of its own. An upload is abandoned when it is recorded,
// no copy of this process writes it, and its heartbeat is older than the lease. A live upload aborted anyway
// (a part slower than the lease) costs a restart of its copy, never a dead letter (reconcile-key.ts).
import { randomUUID } from 'node:crypto';
import type { InboundMessage, OutgoingRecord } from '../core/ports/bus.ts';
import { CrrError } from '../core/errors.ts';
import type { MultipartUpload, ObjectStore } from '../core/ports/object-store.ts';
import { BUS_PUBLISH_RETRY, withRetry } from '../core/retry.ts';

/** What the registry holds for one multipart copy of this tool. */
export interface UploadRecord {
  bucket: string;
  key: string;
  /** Null from just before the upload is initiated until its id is known. */
  uploadId: string | null;
  rule: string;
  /** Which process started it (a random id per process), for logs. */
  owner: string;
  /** When the record was first written: before the initiation. */
  startedAt: number;
}

/** A copy's handle on its record. */
export interface UploadTicket { id: string }

export interface UploadLeasesOptions {
  /** Publishes records to the uploads topic, resolving once Kafka acknowledged them. Absent: nothing is shared. */
  send?: (records: OutgoingRecord[]) => Promise<void>;
  /** Reads the uploads topic from its start to its end. Absent: only this process's own records are known. */
  read?: (onRecord: (m: InboundMessage) => void) => Promise<void>;
  /** An upload of ours with no initiation or part for this long, that no copy here writes, is abandoned. */
  leaseMs: number;
  owner: string;
  now?: () => number;
}

/** How long after its record's first write an unnamed upload may have been initiated and still be the record's. */
const INITIATION_WINDOW_MS = 60_000;

export class UploadLeases {
  /** The registry as last read, plus what this process recorded since: record key → record. */
  private readonly known = new Map<string, UploadRecord>();
  /** Records of copies this process runs now: their uploads are never abandoned, whatever their heartbeat says. */
  private readonly live = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly opts: UploadLeasesOptions) {
    this.now = opts.now ?? Date.now;
  }

  get leaseMs(): number {
    return this.opts.leaseMs;
  }

  /** A broker outage delays the copy (retried until acknowledged or `signal` aborts); it never fails it. */
  private async publish(id: string, record: UploadRecord, signal: AbortSignal | undefined): Promise<void> {
    this.known.set(id, record);
    const send = this.opts.send;
    if (send) await withRetry(() => send([{ key: id, value: Buffer.from(JSON.stringify(record)) }]), { policy: BUS_PUBLISH_RETRY, signal, isRetriable: () => true });
  }

  /** Records a copy about to initiate an upload of `key`; resolves once Kafka acknowledged it. */
  async begin(u: { bucket: string; key: string; rule: string }, signal?: AbortSignal): Promise<UploadTicket> {
    const id = `${u.bucket}/${randomUUID()}`;
    this.live.add(id);
    await this.publish(id, { ...u, uploadId: null, owner: this.opts.owner, startedAt: this.now() }, signal);
    return { id };
  }

  /** Names the upload the copy initiated. */
  async initiated(ticket: UploadTicket, uploadId: string, signal?: AbortSignal): Promise<void> {
    const record = this.known.get(ticket.id);
    if (record) await this.publish(ticket.id, { ...record, uploadId }, signal);
  }

  /** Forgets a copy whose upload was completed or aborted (or never initiated). A lost tombstone is harmless. */
  async closed(ticket: UploadTicket): Promise<void> {
    this.live.delete(ticket.id);
    this.known.delete(ticket.id);
    await this.opts.send?.([{ key: ticket.id, value: null }]).catch(() => {});
  }

  /** The copy stopped, but its upload may remain: the record stays, so the upload is aborted after the lease. */
  stopped(ticket: UploadTicket): void {
    this.live.delete(ticket.id);
  }

  /** Reads the registry again (the janitor, before each sweep). */
  async refresh(): Promise<void> {
    if (!this.opts.read) return;
    const read = new Map<string, UploadRecord | null>();
    await this.opts.read((m) => {
      const key = m.key?.toString('utf8');
      if (!key) return;
      try {
        read.set(key, m.value ? JSON.parse(m.value.toString('utf8')) as UploadRecord : null);
      } catch {
        read.set(key, null); // not a record of ours: nothing to act on
      }
    });
    for (const [id, record] of read) {
      if (this.live.has(id)) continue; // ours, and newer here than on the topic
      if (record) this.known.set(id, record);
      else this.known.delete(id);
    }
  }

  /** The record an upload belongs to: the one naming it, or one of its key begun just before its initiation. */
  recordOf(bucket: string, u: MultipartUpload): [string, UploadRecord] | undefined {
    let begun: [string, UploadRecord] | undefined;
    for (const entry of this.known) {
      const r = entry[1];
      if (r.bucket !== bucket) continue;
      if (r.uploadId === u.uploadId) return entry;
      // OSS reports the initiation in whole seconds, so it may read up to a second before the record.
      const after = u.initiated - (r.startedAt - (r.startedAt % 1000));
      if (r.uploadId === null && r.key === u.key && after >= 0 && after <= INITIATION_WINDOW_MS) begun ??= entry;
    }
    return begun;
  }

  /** The recorded copies of one bucket that no copy here runs (the janitor drops those whose upload is gone). */
  recordsOf(bucket: string): (UploadRecord & UploadTicket)[] {
    return [...this.known].filter(([id, r]) => r.bucket === bucket && !this.live.has(id)).map(([id, r]) => ({ ...r, id }));
  }

  /** Whether `u` may be aborted: ours, written by no copy here, and its heartbeat older than the lease. */
  async abandoned(store: ObjectStore, bucket: string, u: MultipartUpload): Promise<boolean> {
    const entry = this.recordOf(bucket, u);
    if (!entry || this.live.has(entry[0])) return false;
    const cutoff = this.now() - this.opts.leaseMs;
    if (u.initiated > cutoff) return false;
    try {
      const parts = await store.listParts(bucket, u.key, u.uploadId);
      return parts.every((p) => p.lastModified <= cutoff);
    } catch (err) {
      if (err instanceof CrrError && err.code === 'UPLOAD_NOT_FOUND') return false; // completed or aborted meanwhile
      throw err;
    }
  }

  /** Aborts `u` if it is abandoned, and forgets its record; true when it was. */
  async abortIfAbandoned(store: ObjectStore, bucket: string, u: MultipartUpload): Promise<boolean> {
    if (!(await this.abandoned(store, bucket, u))) return false;
    try {
      await store.abortMultipart(bucket, u.key, u.uploadId);
    } catch (err) {
      if (!(err instanceof CrrError && err.code === 'UPLOAD_NOT_FOUND')) throw err;
    }
    const entry = this.recordOf(bucket, u);
    if (entry) await this.closed({ id: entry[0] });
    return true;
  }
}
