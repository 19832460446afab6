// The OSS error table: every row an operator relies on, errors shaped the way ali-oss 6.23 shapes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CrrError } from '../../../../core/errors.ts';
import { answerError, classifyOssError, HTTP_STATUSES, meaningOf, NETWORK_ERRORS, OSS_ERROR_CODES } from '../../../../core/adapters/oss/error-table.ts';
import { abortedError, TransportError } from '../../../../core/adapters/oss/transport-error.ts';

/** An error as ali-oss's requestError() builds it from an OSS error document. */
function ossError(code: string, status: number, requestId = 'REQ1'): Error {
  return Object.assign(new Error(`message for ${code}`), { name: `${code}Error`, code, status, requestId });
}

/** A network failure as ali-oss rewraps urllib's error (code = name, status -1 or -2, the Node code in the text). */
function netError(name: string, message: string, status = -1): Error {
  return Object.assign(new Error(message), { name, code: name, status });
}

const scope = { stage: 'source-read' as const, op: 'GetObject', bucket: 'src', key: 'a/b.txt' };

const cases: [string, unknown, string, boolean][] = [
  ['SlowDown 503', ossError('SlowDown', 503), 'THROTTLED', true],
  ['InternalError 500', ossError('InternalError', 500), 'SERVER_ERROR', true],
  ['RequestTimeout 400', ossError('RequestTimeout', 400), 'TIMEOUT', true],
  ['AccessDenied 403', ossError('AccessDenied', 403), 'ACCESS_DENIED', false],
  ['NoSuchBucket 404', ossError('NoSuchBucket', 404), 'BUCKET_NOT_FOUND', false],
  ['NoSuchKey 404', ossError('NoSuchKey', 404), 'NOT_FOUND', false],
  ['NoSuchUpload 404', ossError('NoSuchUpload', 404), 'UPLOAD_NOT_FOUND', false],
  ['PreconditionFailed 412', ossError('PreconditionFailed', 412), 'SOURCE_CHANGED', true],
  ['InvalidAccessKeyId 403', ossError('InvalidAccessKeyId', 403), 'AUTH_FAILED', false],
  ['SignatureDoesNotMatch 403', ossError('SignatureDoesNotMatch', 403), 'AUTH_FAILED', false],
  ['unknown OSS code, 503', ossError('SomethingNew', 503), 'THROTTLED', true],
  ['unknown OSS code, 502', ossError('SomethingNew', 502), 'SERVER_ERROR', true],
  ['unknown OSS code, 507', ossError('SomethingNew', 507), 'SERVER_ERROR', true],
  ['unknown OSS code, 403', ossError('SomethingNew', 403), 'ACCESS_DENIED', false],
  // HEAD answers have no body: ali-oss names them from the status alone
  ['HEAD 404', Object.assign(new Error('Object not exists'), { name: 'NoSuchKeyError', code: 'NoSuchKey', status: 404 }), 'NOT_FOUND', false],
  ['HEAD 500 without body', Object.assign(new Error('Unknow error, status: 500'), { name: 'UnknownError', status: 500 }), 'SERVER_ERROR', true],
  ['ECONNREFUSED', netError('RequestError', 'connect ECONNREFUSED 127.0.0.1:9, GET http://127.0.0.1:9/b/k -1 (connected: false)'), 'NETWORK', true],
  ['ECONNRESET', netError('ResponseError', 'read ECONNRESET, PUT http://h/b/k -1'), 'NETWORK', true],
  ['socket hang up', netError('RequestError', 'socket hang up, GET http://h/b/k -1'), 'NETWORK', true],
  ['EPIPE', netError('RequestError', 'write EPIPE'), 'NETWORK', true],
  ['ResponseTimeoutError', Object.assign(new Error('Response timeout for 100ms'), { name: 'ResponseTimeoutError' }), 'TIMEOUT', true],
  ['ConnectionTimeoutError', netError('ConnectionTimeoutError', 'Connect timeout for 100ms', -2), 'TIMEOUT', true],
  ['raw Node ETIMEDOUT', Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' }), 'TIMEOUT', true],
  ['raw Node ECONNRESET', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'NETWORK', true],
  ['fetch-style cause', Object.assign(new Error('fetch failed'), { cause: { code: 'ECONNREFUSED' } }), 'NETWORK', true],
  ['plain Error', new Error('boom'), 'UNKNOWN', false],
  ['a string', 'weird', 'UNKNOWN', false],
  ['null', null, 'UNKNOWN', false],
  ['undefined', undefined, 'UNKNOWN', false],
  ['a number', 42, 'UNKNOWN', false],
];

for (const [name, err, code, retriable] of cases) {
  test(`classifies ${name} as ${code} (retriable: ${retriable})`, () => {
    const c = classifyOssError(err, scope);
    assert.ok(c instanceof CrrError);
    assert.equal(c.code, code);
    assert.equal(c.retriable, retriable);
    assert.equal(c.stage, 'source-read');
    assert.equal(c.cause, err);
  });
}

test('context names bucket, key, status, OSS code and request id, and nothing secret', () => {
  const err = Object.assign(ossError('AccessDenied', 403, 'ABC123'), { params: { headers: { authorization: 'OSS id:sig' } } });
  const c = classifyOssError(err, { stage: 'destination-write', op: 'PutObject', bucket: 'dst', key: 'k', versionId: 'v1' });
  assert.deepEqual(c.context, { op: 'PutObject', bucket: 'dst', key: 'k', versionId: 'v1', status: 403, ossCode: 'AccessDenied', requestId: 'ABC123' });
  assert.equal(c.stage, 'destination-write');
  assert.doesNotMatch(JSON.stringify(c.toJSON()), /sig|authorization/i);
  assert.match(c.message, /PutObject dst\/k failed: AccessDenied/);
});

test('network messages lose the request line and response headers urllib appends', () => {
  const c = classifyOssError(netError('RequestError', 'connect ECONNREFUSED 127.0.0.1:9, GET http://127.0.0.1:9/b/k -1 (connected: false)\nheaders: {}'), scope);
  assert.equal(c.message, 'GetObject src/a/b.txt failed: RequestError: connect ECONNREFUSED 127.0.0.1:9');
});

test('an existing CrrError passes through unchanged', () => {
  const original = new CrrError('source changed', { code: 'SOURCE_CHANGED', retriable: true, stage: 'source-read' });
  assert.equal(classifyOssError(original, { ...scope, stage: 'destination-write' }), original);
});

test('a throwing getter or odd object does not make classification throw', () => {
  const odd = Object.create(null);
  assert.equal(meaningOf(odd).code, 'UNKNOWN');
  assert.equal(meaningOf({ code: 42, status: 'x' }).code, 'UNKNOWN');
});

test('the tables only hold codes callers know', () => {
  const known = new Set(['NOT_FOUND', 'SOURCE_CHANGED', 'THROTTLED', 'SERVER_ERROR', 'TIMEOUT', 'NETWORK', 'ACCESS_DENIED', 'AUTH_FAILED',
    'INVALID_REQUEST', 'BODY_CORRUPTED', 'BUCKET_NOT_FOUND', 'UPLOAD_NOT_FOUND', 'CLOCK_SKEW', 'KMS_ERROR', 'INVALID_OBJECT_STATE', 'CONFLICT', 'ALREADY_EXISTS',
    'CREDENTIALS_EXPIRED']);
  for (const table of [OSS_ERROR_CODES, HTTP_STATUSES, NETWORK_ERRORS]) {
    for (const m of Object.values(table)) assert.ok(known.has(m.code), m.code);
  }
  for (const m of Object.values(NETWORK_ERRORS)) assert.equal(m.retriable, true);
});

test('errors whose properties throw classify as UNKNOWN', () => {
  const hostile = new Proxy({}, { get() { throw new Error('no'); } });
  const c = classifyOssError(hostile, scope);
  assert.equal(c.code, 'UNKNOWN');
  assert.equal(c.retriable, false);
});

// The adapter's own requests: OSS answers as the transport read them, and the transport's own failures.
const answers: [string, { status: number; ossCode?: string; message?: string }, string, boolean][] = [
  ['SlowDown 503', { status: 503, ossCode: 'SlowDown', message: 'Please reduce your request rate.' }, 'THROTTLED', true],
  ['NoSuchKey 404', { status: 404, ossCode: 'NoSuchKey' }, 'NOT_FOUND', false],
  ['FileAlreadyExists 409', { status: 409, ossCode: 'FileAlreadyExists' }, 'ALREADY_EXISTS', false],
  ['a HEAD 404 without a document', { status: 404 }, 'NOT_FOUND', false],
  ['unknown code, 403', { status: 403, ossCode: 'SomethingNew' }, 'ACCESS_DENIED', false],
  ['an expired STS token (the provider looks again)', { status: 403, ossCode: 'SecurityTokenExpired' }, 'CREDENTIALS_EXPIRED', true],
  ['a token OSS no longer knows', { status: 403, ossCode: 'InvalidSecurityToken' }, 'CREDENTIALS_EXPIRED', true],
  ['unknown code, 507', { status: 507, ossCode: 'SomethingNew' }, 'SERVER_ERROR', true],
  ['a proxy page, 502', { status: 502 }, 'SERVER_ERROR', true],
  ['an odd status', { status: 418 }, 'UNKNOWN', false],
];

for (const [name, answer, code, retriable] of answers) {
  test(`an answer ${name} is ${code} (retriable: ${retriable})`, () => {
    const c = answerError({ ...answer, requestId: 'R1' }, scope);
    assert.deepEqual([c.code, c.retriable, c.stage], [code, retriable, 'source-read']);
    assert.equal(c.context.status, answer.status);
    assert.equal(c.context.requestId, 'R1');
    assert.match(c.message, new RegExp(`^GetObject src/a/b.txt failed: ${answer.ossCode ?? 'HttpError'}: `));
  });
}

test('the transport\'s failures keep the meaning it gave them; an abort is ABORTED, not retriable, naming why', () => {
  const timeout = new TransportError('no bytes for 5 ms', { code: 'TIMEOUT', retriable: true });
  assert.deepEqual([classifyOssError(timeout, scope).code, classifyOssError(timeout, scope).retriable], ['TIMEOUT', true]);
  const controller = new AbortController();
  controller.abort(new CrrError('partition revoked', { code: 'CRR_PARTITION_REVOKED', retriable: true }));
  const c = classifyOssError(abortedError(controller.signal), scope);
  assert.deepEqual([c.code, c.retriable], ['ABORTED', false]);
  assert.match(c.message, /GetObject src\/a\/b.txt failed: ABORTED: aborted: partition revoked/);
});
