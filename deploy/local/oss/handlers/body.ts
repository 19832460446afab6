// Receiving an object body: required length, Content-MD5 check, and the temp-file-then-commit discipline.
import { rm } from 'node:fs/promises';
import { OssError } from '../errors.ts';
import { requestBody, type Ctx } from '../context.ts';

export const MAX_OBJECT_SIZE = 48.8 * 1024 ** 4;

export interface Received { path: string; size: number; md5: Buffer; crc64: string }

/** Streams the request body to a temp file (or into `dest` at `start`), checking length and Content-MD5. */
export async function receiveBody(ctx: Ctx, maxSize = 5 * 1024 ** 3, dest?: { path: string; start: number }): Promise<Received> {
  const { req } = ctx;
  const declared = req.headers['content-length'];
  if (declared === undefined && req.headers['transfer-encoding'] === undefined) throw new OssError('MissingContentLength');
  if (declared !== undefined && Number(declared) > maxSize) throw new OssError('EntityTooLarge');
  const md5Header = req.headers['content-md5'] as string | undefined;
  if (md5Header !== undefined && Buffer.from(md5Header, 'base64').length !== 16) throw new OssError('InvalidDigest');
  let got: Received;
  try {
    got = await ctx.state.store.blobs.receive(requestBody(ctx), dest);
  } catch (err) {
    throw new OssError('RequestTimeout', `The request body could not be read: ${(err as Error).message}`, { status: 400 }) as Error;
  }
  const fail = async (e: OssError): Promise<never> => {
    if (!dest) await rm(got.path, { force: true });
    throw e;
  };
  if (declared !== undefined && got.size !== Number(declared)) await fail(new OssError('IncompleteBody', 'The request body is shorter than Content-Length.', { status: 400 }));
  if (got.size > maxSize) await fail(new OssError('EntityTooLarge'));
  if (md5Header !== undefined && got.md5.toString('base64') !== md5Header) {
    await fail(new OssError('InvalidDigest', 'The Content-MD5 you specified did not match what we received.'));
  }
  return got;
}
