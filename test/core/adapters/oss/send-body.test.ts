// sendBody (object-ops.ts), the one path every PUT and part body takes: with a counting-only limit (no
// maxBytesPerSecond) every byte that goes is counted and arrives as sent; a body longer than announced fails
// with BODY_SIZE_MISMATCH and its excess is never counted as sent; a rated limit still counts through its
// pacing stream (its pacing is tested in bandwidth-limit.test.ts).
import assert from 'node:assert/strict';
import { Readable, type Readable as ReadableType } from 'node:stream';
import { test } from 'node:test';
import { bandwidthLimit, PACING_SLICE_BYTES } from '../../../../core/adapters/oss/bandwidth-limit.ts';
import { sendBody } from '../../../../core/adapters/oss/object-ops.ts';
import type { RawResponse } from '../../../../core/adapters/oss/signed-request.ts';
import { CrrError } from '../../../../core/errors.ts';

/** A request that reads its whole body, as the transport does, and answers 200. */
const reading = (got: Buffer[]) => async (stream: ReadableType): Promise<RawResponse> => {
  for await (const chunk of stream) got.push(chunk as Buffer);
  return { status: 200, headers: {} } as RawResponse;
};

test('a counting-only limit counts every byte sent, and none past a body that is too long', async () => {
  let counted = 0;
  const countOnly = bandwidthLimit({ onBytes: (n) => (counted += n) });
  const body = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
  const got: Buffer[] = [];
  await sendBody(Readable.from([body.subarray(0, 70_000), body.subarray(70_000)]), body.length, reading(got), countOnly);
  assert.ok(Buffer.concat(got).equals(body), 'the bytes arrive whole and in order');
  assert.equal(counted, body.length);

  counted = 0;
  const failed = await sendBody(Readable.from([body.subarray(0, 1000), body.subarray(1000, 3000)]), 1500, reading([]), countOnly)
    .then(() => undefined, (err: unknown) => err);
  assert.ok(failed instanceof CrrError && failed.code === 'BODY_SIZE_MISMATCH', `too long a body fails: ${String(failed)}`);
  assert.equal(counted, 1000, 'only the chunk that fit was counted');
});

test('a rated limit still goes through its pacing stream, and counts the body', async () => {
  let counted = 0;
  const rated = bandwidthLimit({ bytesPerSecond: 1024 * 1024 * 1024, onBytes: (n) => (counted += n) });
  const body = Buffer.alloc(3 * PACING_SLICE_BYTES + 10, 7);
  const got: Buffer[] = [];
  await sendBody(Readable.from([body]), body.length, reading(got), rated);
  assert.ok(Buffer.concat(got).equals(body));
  assert.equal(counted, body.length);
});
