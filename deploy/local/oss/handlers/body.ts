// Receiving an object body: required length, Content-MD5 check, and the temp-file-then-commit discipline.
// Small bodies with a declared length are read into memory and go to a pack file (see store/packs.ts).
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { OssError } from '../errors.ts';
import { requestBody, type Ctx } from '../context.ts';
import { crc64 } from '../../../../core/crc64.ts';

const INLINE_MAX = 512 * 1024;

export interface Received { path?: string; buffer?: Buffer; size: number; md5: Buffer; crc64: string }

/**
 * Streams the request body to a temp file (or into `dest` at `start`), or into memory when it is small and
 * `inline` is allowed; checks length and Content-MD5.
 */
export async function receiveBody(ctx: Ctx, opts: { maxSize?: number; dest?: { path: string; start: number }; inline?: boolean } = {}): Promise<Received> {
  const { req } = ctx;
  const maxSize = opts.maxSize ?? 5 * 1024 ** 3;
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) throw new OssError('MissingContentLength');
  if (declared !== undefined && Number(declared) > maxSize) throw new OssError('EntityTooLarge');
  const md5Header = req.headers['content-md5'] as string | undefined;
  if (md5Header !== undefined && Buffer.from(md5Header, 'base64').length !== 16) throw new OssError('InvalidDigest');
  let got: Received;
  try {
    if (opts.inline && !opts.dest && declared !== undefined && Number(declared) <= INLINE_MAX) {
      const chunks: Buffer[] = [];
      for await (const c of requestBody(ctx) as AsyncIterable<Buffer>) chunks.push(c);
      const buffer = Buffer.concat(chunks);
      got = { buffer, size: buffer.length, md5: createHash('md5').update(buffer).digest(), crc64: crc64(buffer) };
    } else {
      got = await ctx.state.store.blobs.receive(requestBody(ctx), opts.dest);
    }
  } catch (err) {
    throw new OssError('RequestTimeout', `The request body could not be read: ${(err as Error).message}`, { status: 400 });
  }
  const fail = async (e: OssError): Promise<never> => {
    if (!opts.dest && got.path) await rm(got.path, { force: true });
    throw e;
  };
  if (declared !== undefined && got.size !== Number(declared)) await fail(new OssError('IncompleteBody', 'The request body is shorter than Content-Length.', { status: 400 }));
  if (got.size > maxSize) await fail(new OssError('EntityTooLarge'));
  if (md5Header !== undefined && got.md5.toString('base64') !== md5Header) {
    await fail(new OssError('InvalidDigest', 'The Content-MD5 you specified did not match what we received.'));
  }
  return got;
}

/** Makes a received body a blob: a packed entry for in-memory bodies, a renamed file otherwise. */
export function commitBody(ctx: Ctx, got: Received): Promise<string> {
  const blobs = ctx.state.store.blobs;
  return got.buffer ? blobs.writeSmall(got.buffer) : blobs.commit(got.path as string);
}

/** Drops a received body that will not be committed. */
export async function discardBody(got: Received): Promise<void> {
  if (got.path) await rm(got.path, { force: true });
}
