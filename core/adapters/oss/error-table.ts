// What each OSS failure means, as data: rows keyed by OSS error code, HTTP status and network error name, so
// no caller needs an `if` of its own. The adapter's requests fail in two ways, each read here once: an OSS
// answer (answerError: its <Code> and status), or the wire (the transport's TransportError, already
// classified). classifyOssError reads anything else thrown (a body stream's error, an ali-oss client's).
import { CrrError, type ErrorCode, type Stage } from '../../errors.ts';
import { TransportError } from './transport-error.ts';

export interface ErrorMeaning {
  /** The CrrError code callers switch on. */
  code: ErrorCode;
  retriable: boolean;
}

const notFound: ErrorMeaning = { code: 'NOT_FOUND', retriable: false };
const changed: ErrorMeaning = { code: 'SOURCE_CHANGED', retriable: true }; // retriable: reconcile re-reads the source
const throttled: ErrorMeaning = { code: 'THROTTLED', retriable: true };
const serverError: ErrorMeaning = { code: 'SERVER_ERROR', retriable: true };
const timeout: ErrorMeaning = { code: 'TIMEOUT', retriable: true };
const network: ErrorMeaning = { code: 'NETWORK', retriable: true };
const denied: ErrorMeaning = { code: 'ACCESS_DENIED', retriable: false };
const authFailed: ErrorMeaning = { code: 'AUTH_FAILED', retriable: false };
// An STS token past its expiration, or one OSS no longer knows (rotated away): the provider looks again and the
// request goes again; a token that stays refused uses up the retries and is then a clear failure.
const tokenRefused: ErrorMeaning = { code: 'CREDENTIALS_EXPIRED', retriable: true };
const invalid: ErrorMeaning = { code: 'INVALID_REQUEST', retriable: false };
const corrupted: ErrorMeaning = { code: 'BODY_CORRUPTED', retriable: true }; // the bytes changed in transit: send them again

/** By the `Code` of the OSS error document: the most specific answer, so it is looked up first. */
export const OSS_ERROR_CODES: Readonly<Record<string, ErrorMeaning>> = {
  NoSuchKey: notFound,
  NoSuchVersion: notFound,
  NoSuchBucket: { code: 'BUCKET_NOT_FOUND', retriable: false },
  NoSuchUpload: { code: 'UPLOAD_NOT_FOUND', retriable: false },
  FileAlreadyExists: { code: 'ALREADY_EXISTS', retriable: false }, // a PUT with x-oss-forbid-overwrite found the key
  PreconditionFailed: changed,
  SlowDown: throttled,
  TooManyRequests: throttled,
  RequestRateLimitExceeded: throttled,
  InternalError: serverError,
  ServiceUnavailable: serverError,
  RequestTimeout: timeout,
  AccessDenied: denied,
  AccountDisabled: denied,
  InvalidAccessKeyId: authFailed,
  SignatureDoesNotMatch: authFailed,
  SecurityTokenExpired: tokenRefused,
  InvalidSecurityToken: tokenRefused,
  RequestTimeTooSkewed: { code: 'CLOCK_SKEW', retriable: false },
  BadDigest: corrupted,
  InvalidDigest: corrupted,
  IncompleteBody: corrupted,
  InvalidArgument: invalid,
  InvalidObjectName: invalid,
  InvalidBucketName: invalid,
  InvalidPart: invalid,
  InvalidPartOrder: invalid,
  InvalidTag: invalid,
  InvalidEncryptionAlgorithmError: invalid,
  EntityTooLarge: invalid,
  EntityTooSmall: invalid,
  MalformedXML: invalid,
  MissingContentLength: invalid,
  MethodNotAllowed: invalid,
  FileImmutable: denied,
  KmsServiceNotEnabled: { code: 'KMS_ERROR', retriable: false },
  KmsKeyNotFound: { code: 'KMS_ERROR', retriable: false },
  InvalidObjectState: { code: 'INVALID_OBJECT_STATE', retriable: false }, // e.g. an Archive object that is not restored
};

/** By HTTP status, when the response carried no (known) OSS code — HEAD errors have no body. */
export const HTTP_STATUSES: Readonly<Record<number, ErrorMeaning>> = {
  400: invalid,
  403: denied,
  404: notFound,
  405: invalid,
  408: timeout,
  409: { code: 'CONFLICT', retriable: false },
  411: invalid,
  412: changed,
  416: invalid,
  429: throttled,
  500: serverError,
  502: serverError,
  503: throttled,
  504: timeout,
};

/**
 * By Node/urllib error code or name, or found in the message: ali-oss rewraps network failures and keeps the
 * original Node code (ECONNRESET...) only in the message text.
 */
export const NETWORK_ERRORS: Readonly<Record<string, ErrorMeaning>> = {
  ECONNRESET: network,
  ECONNREFUSED: network,
  ECONNABORTED: network,
  EPIPE: network,
  EHOSTUNREACH: network,
  ENETUNREACH: network,
  ENETDOWN: network,
  EAI_AGAIN: network,
  ETIMEDOUT: timeout,
  ESOCKETTIMEDOUT: timeout,
  'socket hang up': network,
  ERR_STREAM_PREMATURE_CLOSE: network,
  UND_ERR_SOCKET: network,
  RequestError: network,
  ResponseError: network,
  RemoteSocketClosedError: network,
  ResponseTimeoutError: timeout,
  ConnectionTimeoutError: timeout,
  SocketAssignTimeoutError: timeout,
};

export const UNKNOWN: ErrorMeaning = { code: 'UNKNOWN', retriable: false };

/** Where the failure happened, for the error's context. Never credentials. */
export interface ErrorScope {
  stage: Stage;
  op: string;
  bucket?: string;
  key?: string;
  versionId?: string | null;
  uploadId?: string;
}

interface RawFields {
  ossCode?: string;
  status?: number;
  name?: string;
  nodeCode?: string;
  requestId?: string;
  causeCode?: string; // fetch/undici put the Node code on the cause
  message: string;
}

function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return '[unprintable error]';
  }
}

function rawFields(err: unknown): RawFields {
  try {
    return readFields(err);
  } catch {
    return { message: safeString(err) }; // a hostile getter must not make classification throw
  }
}

function readFields(err: unknown): RawFields {
  if (typeof err !== 'object' || err === null) return { message: safeString(err) };
  const e = err as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const code = str(e.code);
  const name = str(e.name);
  // ali-oss names an OSS error `${Code}Error` and sets code = Code; network errors get code = name instead.
  const isOssCode = code !== undefined && name === `${code}Error`;
  return {
    ossCode: isOssCode ? code : undefined,
    nodeCode: isOssCode ? undefined : code,
    status: typeof e.status === 'number' ? e.status : undefined,
    name,
    requestId: str(e.requestId),
    causeCode: typeof e.cause === 'object' && e.cause !== null ? str((e.cause as Record<string, unknown>).code) : undefined,
    message: typeof e.message === 'string' ? e.message : safeString(err),
  };
}

/** The meaning of a raw error: by OSS code, then network code/name, then HTTP status, then the message text. */
export function meaningOf(err: unknown): ErrorMeaning {
  if (err instanceof TransportError) return err.meaning;
  const f = rawFields(err);
  if (f.ossCode && OSS_ERROR_CODES[f.ossCode]) return OSS_ERROR_CODES[f.ossCode];
  for (const id of [f.nodeCode, f.name]) if (id && NETWORK_ERRORS[id]) return NETWORK_ERRORS[id];
  if (f.causeCode && NETWORK_ERRORS[f.causeCode]) return NETWORK_ERRORS[f.causeCode];
  if (f.status !== undefined && f.status > 0 && HTTP_STATUSES[f.status]) return HTTP_STATUSES[f.status];
  const token = Object.keys(NETWORK_ERRORS).find((t) => f.message.includes(t));
  if (token) return NETWORK_ERRORS[token];
  if (f.status !== undefined && f.status >= 500) return serverError;
  return UNKNOWN;
}

/** An OSS error answer: the fields of its error document (or x-oss-err header), and its status. */
export interface OssAnswer {
  status: number;
  /** The document's <Code>; absent when the answer had no (readable) document, e.g. a proxy's page. */
  ossCode?: string;
  message?: string;
  requestId?: string;
}

/** The meaning of an answer: by its OSS code, else its status (any other 5xx is a server error). */
export function meaningOfAnswer(answer: OssAnswer): ErrorMeaning {
  if (answer.ossCode && OSS_ERROR_CODES[answer.ossCode]) return OSS_ERROR_CODES[answer.ossCode];
  if (answer.status > 0 && HTTP_STATUSES[answer.status]) return HTTP_STATUSES[answer.status];
  return answer.status >= 500 ? serverError : UNKNOWN;
}

/** The CrrError of an OSS error answer. */
export function answerError(answer: OssAnswer, scope: ErrorScope): CrrError {
  const context: Record<string, unknown> = { ...scopeContext(scope), status: answer.status };
  if (answer.ossCode) context.ossCode = answer.ossCode;
  if (answer.requestId) context.requestId = answer.requestId;
  const detail = answer.message || `HTTP ${answer.status}`;
  const meaning = meaningOfAnswer(answer);
  return new CrrError(failed(scope, answer.ossCode ?? 'HttpError', detail), { code: meaning.code, retriable: meaning.retriable, stage: scope.stage, context });
}

function scopeContext(scope: ErrorScope): Record<string, unknown> {
  const context: Record<string, unknown> = { op: scope.op };
  if (scope.bucket !== undefined) context.bucket = scope.bucket;
  if (scope.key !== undefined) context.key = scope.key;
  if (scope.versionId) context.versionId = scope.versionId;
  if (scope.uploadId) context.uploadId = scope.uploadId;
  return context;
}

const failed = (scope: ErrorScope, what: string, detail: string) =>
  `${scope.op} ${scope.bucket ?? ''}${scope.key !== undefined ? '/' + scope.key : ''} failed: ${what}: ${detail}`;

/** Classifies any thrown value into a CrrError (an existing CrrError passes through unchanged). Never throws. */
export function classifyOssError(err: unknown, scope: ErrorScope): CrrError {
  if (err instanceof CrrError) return err;
  const f = rawFields(err);
  const meaning = meaningOf(err);
  const context = scopeContext(scope);
  if (f.status !== undefined) context.status = f.status;
  if (f.ossCode) context.ossCode = f.ossCode;
  if (f.requestId) context.requestId = f.requestId;
  // urllib appends the request line and response headers to network messages; the first line is the useful part.
  const detail = f.message.split('\n')[0].replace(/, (GET|PUT|POST|HEAD|DELETE) .*$/, '');
  const what = err instanceof TransportError ? err.meaning.code : f.ossCode ?? f.nodeCode ?? f.name ?? 'Error';
  return new CrrError(failed(scope, what, detail), { code: meaning.code, retriable: meaning.retriable, stage: scope.stage, context, cause: err });
}
