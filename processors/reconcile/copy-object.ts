// Copies one source object (version) to the destination: a streaming GET piped into a PUT for small
// objects, a multipart upload with parallel ranged GETs for large ones. Memory stays bounded: bodies are
// never held whole. The crc64 of the result must equal the source's, or the copy is an error.
import type { Readable } from 'node:stream';
import { CrrError } from '../../core/errors.ts';
import { isRetriableInPlace, REQUEST_RETRY, withRetry, type RetryPolicy } from '../../core/retry.ts';
import type { MultipartUpload, ObjectStore, WriteResult } from '../../core/ports/object-store.ts';
import type { UploadTicket } from '../upload-leases.ts';
import type { CopySource } from './types.ts';

export interface CopyTarget {
  source: ObjectStore;
  sourceBucket: string;
  destination: ObjectStore;
  destinationBucket: string;
  partSizeBytes: number;
  partConcurrency: number;
  /** Retries of one part (its ranged GET and UploadPart); default REQUEST_RETRY. */
  partRetry?: RetryPolicy;
  /** The stores' signal, when bound to one (see bindSignal): retries stop when it aborts. */
  signal?: AbortSignal;
  /** Records each multipart upload and says which leftovers may be aborted; without it none is ever aborted. */
  uploads?: { leases: UploadOwnership; rule: string };
}

/**
 * Who started which upload, and which ones nobody writes any more (processors/upload-leases.ts): a copy
 * records its upload before the first part and forgets it when done; cleanup aborts only what it says.
 */
export interface UploadOwnership {
  begin(u: { bucket: string; key: string; rule: string }, signal?: AbortSignal): Promise<UploadTicket>;
  initiated(ticket: UploadTicket, uploadId: string, signal?: AbortSignal): Promise<void>;
  closed(ticket: UploadTicket): Promise<void>;
  /** The copy stopped, but its upload may remain: it stays recorded, for cleanup after the lease. */
  stopped(ticket: UploadTicket): void;
  abortIfAbandoned(store: ObjectStore, bucket: string, u: MultipartUpload): Promise<boolean>;
}

/** A part is retried on its own (REQUEST_RETRY says why); a changed source is not: the whole key is reconciled again. */
const partRetry = (t: CopyTarget) => ({ policy: t.partRetry ?? REQUEST_RETRY, isRetriable: isRetriableInPlace });

export interface CopyRequest {
  from: CopySource;
  size: number;
  multipart: boolean;
  headers: Record<string, string>;
  /** The source's crc64, when known: checked against what the destination computed. */
  expectedCrc64?: string;
  /** Single PUTs only: refuse (ALREADY_EXISTS) rather than replace an existing destination object. */
  forbidOverwrite?: boolean;
}

function checkCrc(result: WriteResult, req: CopyRequest, t: CopyTarget): WriteResult {
  if (req.expectedCrc64 && result.crc64 && result.crc64 !== req.expectedCrc64) {
    throw new CrrError(`crc64 mismatch after copying ${req.from.key}: source ${req.expectedCrc64}, destination ${result.crc64}`, {
      code: 'CRC_MISMATCH', retriable: true, stage: 'destination-write',
      context: { bucket: t.destinationBucket, key: req.from.key },
    });
  }
  return result;
}

async function copySingle(t: CopyTarget, req: CopyRequest, opened?: Readable): Promise<WriteResult> {
  const stream = opened ?? (await t.source.getObject(t.sourceBucket, req.from.key, { versionId: req.from.versionId, ifMatch: req.from.etag })).stream;
  try {
    return await t.destination.putObject(t.destinationBucket, req.from.key, stream, { headers: req.headers, contentLength: req.size,
      forbidOverwrite: req.forbidOverwrite });
  } finally {
    stream.destroy();
  }
}

/**
 * Aborts uploads of this key left by an interrupted copy (a crash mid-multipart), and only those: an upload
 * this tool started that nobody has written for the lease. Another actor's live copy of the same key (the
 * other direction of a mutual pair, a backfill task, a member that took the partition over) is never touched.
 */
export async function abortLeftUploads(t: Pick<CopyTarget, 'destination' | 'destinationBucket' | 'uploads'>, key: string): Promise<void> {
  if (!t.uploads) return;
  for (const u of await t.destination.listMultipartUploads(t.destinationBucket, key)) {
    if (u.key === key) await t.uploads.leases.abortIfAbandoned(t.destination, t.destinationBucket, u);
  }
}

/**
 * After a multipart copy of the latest state (unversioned pairs), the source must still be what was copied.
 * A copy of a state that was overwritten meanwhile can complete after a newer copy of the same key by
 * another actor (its parts were all read before the overwrite), and would leave the older bytes: so then the
 * key is reconciled again (SOURCE_CHANGED), and the last actor to finish always copies the latest state.
 */
async function checkStillCurrent(t: CopyTarget, req: CopyRequest): Promise<void> {
  if (req.from.versionId) return; // a copy of one version stays right whatever is written after it
  const now = await t.source.headObject(t.sourceBucket, req.from.key);
  if (now && now.etag.toLowerCase() === req.from.etag.toLowerCase()) return;
  throw new CrrError(`${req.from.key} changed on the source while its multipart copy completed`, {
    code: 'SOURCE_CHANGED', retriable: true, stage: 'source-read', context: { bucket: t.sourceBucket, key: req.from.key },
  });
}

/** Only the headers InitiateMultipartUpload takes; the rest of the PUT headers are the same. */
async function copyMultipart(t: CopyTarget, req: CopyRequest): Promise<WriteResult> {
  const key = req.from.key;
  // Leftovers of the key are not aborted here: one may be another actor's live copy (abortLeftUploads says
  // which may go; the reconcile runs it after its copy).
  const leases = t.uploads?.leases;
  const ticket = await leases?.begin({ bucket: t.destinationBucket, key, rule: t.uploads!.rule }, t.signal);
  const forget = () => (ticket ? leases!.closed(ticket) : Promise.resolve());
  let uploadId: string;
  try {
    uploadId = await t.destination.initiateMultipart(t.destinationBucket, key, req.headers);
  } catch (err) {
    // Not initiated, or initiated unseen (a lost answer): the record stays for the latter, to be cleaned after the lease.
    if (ticket) leases!.stopped(ticket);
    throw err;
  }
  let written: WriteResult;
  try {
    if (ticket) await leases!.initiated(ticket, uploadId, t.signal);
    const partCount = Math.max(1, Math.ceil(req.size / t.partSizeBytes));
    const etags: string[] = new Array(partCount);
    let next = 0;
    const worker = async () => {
      while (next < partCount) {
        const index = next++;
        const start = index * t.partSizeBytes;
        const end = Math.min(req.size, start + t.partSizeBytes) - 1;
        etags[index] = await withRetry(async () => {
          const { stream } = await t.source.getObject(t.sourceBucket, key, { versionId: req.from.versionId, ifMatch: req.from.etag, range: { start, end } });
          try {
            return await t.destination.uploadPart(t.destinationBucket, key, uploadId, index + 1, stream, end - start + 1);
          } finally {
            stream.destroy();
          }
        }, { ...partRetry(t), signal: t.signal });
      }
    };
    // On a failure the other workers stop taking parts and finish theirs before the abort below, so the
    // abort never races an UploadPart still in flight.
    let failed: { err: unknown } | undefined;
    const guarded = async () => {
      try {
        await worker();
      } catch (err) {
        failed ??= { err };
        next = partCount;
      }
    };
    await Promise.all(Array.from({ length: Math.min(t.partConcurrency, partCount) }, guarded));
    if (failed) throw failed.err;
    written = await t.destination.completeMultipart(t.destinationBucket, key, uploadId, etags.map((etag, i) => ({ partNumber: i + 1, etag })));
  } catch (err) {
    // Retried like a part: an abort lost to a blip would leave the upload behind. It must not be stopped by
    // the signal that stopped the copy; after such a stop it runs on its own, so the owner learns at once
    // that the copy has stopped (what this misses stays recorded: the key's next cleanup or the janitor
    // aborts it once the lease has run out).
    const unbound = t.signal ? t.destination.withSignal(undefined) : t.destination;
    const cleanup = withRetry(() => unbound.abortMultipart(t.destinationBucket, key, uploadId), partRetry(t))
      .then(forget, (abortErr) => {
        const gone = abortErr instanceof CrrError && abortErr.code === 'UPLOAD_NOT_FOUND';
        if (gone) return forget();
        if (ticket) leases!.stopped(ticket);
      });
    if (!t.signal?.aborted) await cleanup;
    throw err;
  }
  await forget();
  await checkStillCurrent(t, req);
  return written;
}

/**
 * `opened` is the source body of the very state the plan was made from (the reconcile's own GET): a single
 * PUT streams it on instead of reading the source again. A multipart copy reads ranges instead.
 */
export async function copyObject(t: CopyTarget, req: CopyRequest, opened?: Readable): Promise<WriteResult> {
  const multipart = req.multipart && req.size > 0;
  if (multipart) opened?.destroy();
  const result = multipart ? await copyMultipart(t, req) : await copySingle(t, req, opened);
  return checkCrc(result, req, t);
}
