// Bodies stream: a 96 MiB object is written from a generator and copied GET -> PUT with memory well below its
// size (the bound does not grow with the object: 16, 64 and 256 MiB copies peak alike), and a body that fails mid-upload reports its own error rather than a generic request failure.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { crc64Init, crc64StateToString, crc64UpdateState } from '../../../core/crc64.ts';
import { CrrError } from '../../../core/errors.ts';
import { bytes, startStoreFixture, type StoreFixture } from './fixture.ts';

let f: StoreFixture;
before(async () => { f = await startStoreFixture('v1'); });
after(async () => { await f?.stop(); });

const MiB = 1024 * 1024;

/** `total` bytes made on demand from one 1 MiB block, never held whole. */
function generated(total: number): Readable {
  const block = bytes(MiB, 5);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const n = Math.min(MiB, total - sent);
      sent += n;
      this.push(block.subarray(0, n));
    },
  });
}

function expectedCrc(total: number): string {
  const block = bytes(MiB, 5);
  let state = crc64Init();
  for (let sent = 0; sent < total; sent += MiB) state = crc64UpdateState(state, block.subarray(0, Math.min(MiB, total - sent)));
  return crc64StateToString(state);
}

test('a 96 MiB object streams in and is copied GET -> PUT with bounded memory', async () => {
  const bucket = await f.bucket();
  const size = Number(process.env.CRR_STREAM_TEST_MIB ?? 96) * MiB;
  const w = await f.store.putObject(bucket, 'big/src', generated(size), { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: size });
  assert.equal(w.crc64, expectedCrc(size));

  global.gc?.();
  const base = process.memoryUsage();
  let peakBuffers = 0;
  let peakRss = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakBuffers = Math.max(peakBuffers, m.arrayBuffers - base.arrayBuffers);
    peakRss = Math.max(peakRss, m.rss - base.rss);
  }, 5);
  const t0 = Date.now();
  try {
    const src = await f.store.getObject(bucket, 'big/src', { ifMatch: w.etag });
    assert.equal(src.size, size);
    const copy = await f.store.putObject(bucket, 'big/copy', src.stream, { headers: { 'Content-Type': 'application/octet-stream' }, contentLength: src.size });
    assert.equal(copy.crc64, w.crc64);
  } finally {
    clearInterval(sampler);
  }
  const ms = Date.now() - t0;
  console.log(`copied ${size / MiB} MiB GET->PUT in ${ms} ms; peak extra Buffer memory ${(peakBuffers / MiB).toFixed(1)} MiB, peak extra RSS ${(peakRss / MiB).toFixed(1)} MiB`);
  // The local server runs in this process too, so its buffers count; still far from holding the body.
  assert.ok(peakBuffers < size / 2, `Buffer memory grew by ${(peakBuffers / MiB).toFixed(1)} MiB while copying ${size / MiB} MiB`);
});

test('a body that fails mid-upload rejects with its own CrrError, and nothing is written', async () => {
  const bucket = await f.bucket();
  const sourceFailure = new CrrError('source read broke', { code: 'NETWORK', retriable: true, stage: 'source-read' });
  let sent = 0;
  const failing = new Readable({
    read() {
      if (sent >= 2 * MiB) return void this.destroy(sourceFailure);
      sent += 256 * 1024;
      this.push(Buffer.alloc(256 * 1024, 1));
    },
  });
  await assert.rejects(f.store.putObject(bucket, 'broken', failing, { headers: {}, contentLength: 4 * MiB }), (err: unknown) => err === sourceFailure);
  assert.equal(await f.store.headObject(bucket, 'broken'), null);
});

test('a body shorter or longer than its Content-Length fails at once (BODY_SIZE_MISMATCH) instead of writing', async () => {
  const bucket = await f.bucket();
  const t0 = Date.now();
  for (const [actual, declared] of [[1000, 5000], [3 * 64 * 1024, 100_000]]) {
    const err = await f.store.putObject(bucket, 'wrong-size', Readable.from([Buffer.alloc(actual)]), { headers: {}, contentLength: declared }).catch((e: unknown) => e);
    assert.ok(err instanceof CrrError, String(err));
    assert.equal(err.code, 'BODY_SIZE_MISMATCH');
    assert.equal(err.retriable, true);
    const part = await f.store.initiateMultipart(bucket, 'wrong-part', {});
    const partErr = await f.store.uploadPart(bucket, 'wrong-part', part, 1, Readable.from([Buffer.alloc(actual)]), declared).catch((e: unknown) => e);
    assert.equal((partErr as CrrError).code, 'BODY_SIZE_MISMATCH');
    await f.store.abortMultipart(bucket, 'wrong-part', part);
  }
  assert.ok(Date.now() - t0 < 5000, 'no waiting for a timeout');
  assert.equal(await f.store.headObject(bucket, 'wrong-size'), null);
});

test('a GET whose connection dies half-way fails its stream with a retriable, classified CrrError', async () => {
  const bucket = await f.bucket();
  const body = bytes(4 * MiB, 8);
  await f.store.putObject(bucket, 'cut', body, { headers: {}, contentLength: body.length });
  f.oss.server.setFaults({ resetRate: 1 });
  try {
    const got = await f.store.getObject(bucket, 'cut');
    let received = 0;
    const err = await (async () => {
      for await (const chunk of got.stream) received += (chunk as Buffer).length;
    })().catch((e: unknown) => e);
    assert.ok(err instanceof CrrError, `expected a CrrError, got ${String(err)}`);
    assert.equal(err.retriable, true);
    assert.equal(err.stage, 'source-read');
    assert.equal(err.context.key, 'cut');
    assert.ok(received < body.length, `got ${received} of ${body.length} bytes`);
  } finally {
    f.oss.server.setFaults({});
  }
});
