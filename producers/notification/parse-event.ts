// Parses OSS event notifications in EventBridge CloudEvents format (one event or an array of them)
// into captured changes. Pure; a malformed event is a CrrError naming what is wrong and where.
import { CrrError } from '../../core/errors.ts';
import type { ChangeOperation } from '../../schemas/types.ts';

export interface CapturedEvent {
  eventId: string;
  eventName: string;
  operation: ChangeOperation;
  bucket: string;
  region: string;
  key: string;
  versionId: string | null;
  etag: string | null;
  size: number | null;
  eventTime: number;
  requester: string | null;
}

const operations: [RegExp, ChangeOperation][] = [
  [/^ObjectCreated:(PutObject|PostObject|PutSymlink)$/, 'PUT'],
  [/^ObjectCreated:CopyObject$/, 'COPY'],
  [/^ObjectCreated:AppendObject$/, 'APPEND'],
  [/^ObjectCreated:(CompleteMultipartUpload|UploadPartCopy)$/, 'MULTIPART'],
  [/^ObjectRemoved:CreateDeleteMarker$/, 'DELETE_MARKER'],
  [/^ObjectRemoved:/, 'DELETE'],
  [/^ObjectModified:(PutObjectAcl|PutObjectACL)$/, 'ACL'],
  [/^ObjectModified:(PutObjectTagging|DeleteObjectTagging)$/, 'TAGGING'],
  [/^ObjectModified:UpdateObjectMeta$/, 'METADATA'],
  [/^ObjectCreated:/, 'PUT'],
];

export function operationOf(eventName: string): ChangeOperation {
  return operations.find(([re]) => re.test(eventName))?.[1] ?? 'UNKNOWN';
}

function malformed(where: string, problem: string): never {
  throw new CrrError(`${where}: ${problem}`, { code: 'MALFORMED_EVENT', stage: 'capture', context: { where } });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function field(obj: Record<string, unknown>, name: string, where: string): Record<string, unknown> {
  const v = obj[name];
  if (!isObject(v)) malformed(`${where}.${name}`, 'missing or not an object');
  return v;
}

function text(obj: Record<string, unknown>, name: string, where: string): string {
  const v = obj[name];
  if (typeof v !== 'string' || v === '') malformed(`${where}.${name}`, 'missing or not a non-empty string');
  return v;
}

function optionalText(obj: Record<string, unknown>, name: string): string | null {
  const v = obj[name];
  return typeof v === 'string' && v !== '' ? v : null;
}

export function parseEvent(raw: unknown, where = 'event'): CapturedEvent {
  if (!isObject(raw)) malformed(where, 'not a JSON object');
  const type = text(raw, 'type', where);
  if (!type.startsWith('oss:')) malformed(`${where}.type`, `"${type}" is not an OSS event type (oss:...)`);
  const data = field(raw, 'data', where);
  const oss = field(data, 'oss', `${where}.data`);
  const bucket = text(field(oss, 'bucket', `${where}.data.oss`), 'name', `${where}.data.oss.bucket`);
  const object = field(oss, 'object', `${where}.data.oss`);
  const key = text(object, 'key', `${where}.data.oss.object`);
  const timeText = optionalText(data, 'eventTime') ?? optionalText(raw, 'time');
  const eventTime = timeText === null ? NaN : Date.parse(timeText);
  if (!Number.isFinite(eventTime)) malformed(`${where}.data.eventTime`, 'missing or not an ISO-8601 time');
  const size = object.size;
  if (size !== undefined && size !== null && (typeof size !== 'number' || !Number.isFinite(size) || size < 0)) {
    malformed(`${where}.data.oss.object.size`, 'not a non-negative number');
  }
  const eventName = optionalText(data, 'eventName') ?? type.slice(4);
  const identity = isObject(data.userIdentity) ? data.userIdentity : {};
  const etag = optionalText(object, 'eTag');
  return {
    eventId: optionalText(raw, 'id') ?? `${bucket}/${key}@${eventTime}:${eventName}`,
    eventName,
    operation: operationOf(eventName),
    bucket,
    region: optionalText(data, 'region') ?? optionalText(raw, 'aliyunregionid') ?? '',
    key,
    versionId: optionalText(object, 'versionId'),
    etag: etag === null ? null : etag.replace(/^"|"$/g, ''),
    size: typeof size === 'number' ? size : null,
    eventTime,
    requester: optionalText(identity, 'principalId'),
  };
}

/** A request body holds one event or an array of them; every one must parse, or none is taken. */
export function parseEventBody(body: unknown): CapturedEvent[] {
  if (Array.isArray(body)) {
    if (body.length === 0) malformed('body', 'an empty array holds no event');
    return body.map((e, i) => parseEvent(e, `events[${i}]`));
  }
  return [parseEvent(body)];
}
