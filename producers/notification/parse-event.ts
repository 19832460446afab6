// Parses OSS event notifications in EventBridge CloudEvents format (one event or an array of them)
// into captured changes. Pure; a malformed event is a CrrError naming what is wrong and where. Whatever
// passes here encodes as an ObjectChange: sizes are safe integers, and every string is well-formed UTF-16,
// since a lone surrogate would reach Kafka as one U+FFFD in the key and as three in the Avro value.
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

/** OSS bucket naming: 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
/** OSS object keys are 1-1023 bytes of UTF-8. */
const MAX_KEY_BYTES = 1023;
/** `ObjectCreated:PutObject`: a category and an API name. Unknown but well-formed names are kept (operation UNKNOWN). */
const EVENT_NAME = /^[A-Za-z]+:[A-Za-z]+$/;
/** A region id as EventBridge writes it (cn-hangzhou, ap-southeast-1), with or without the endpoint's `oss-`. */
const REGION = /^[a-z]{2,}(-[a-z0-9]+)+$/;
const LONE_SURROGATE = /\p{Cs}/u;
/** The largest size an Avro long holds without loss in avsc (2^53 - 2); OSS's own limit (48.8 TB) is far below. */
export const MAX_SIZE = 2 ** 53 - 2;

function checked(v: string, where: string): string {
  if (LONE_SURROGATE.test(v)) malformed(where, 'holds a lone UTF-16 surrogate (not valid Unicode)');
  return v;
}

function text(obj: Record<string, unknown>, name: string, where: string): string {
  const v = obj[name];
  if (typeof v !== 'string' || v === '') malformed(`${where}.${name}`, 'missing or not a non-empty string');
  return checked(v, `${where}.${name}`);
}

/** A string that may be absent (or null, or empty: then null); any other type is malformed. */
function optionalText(obj: Record<string, unknown>, name: string, where: string): string | null {
  const v = obj[name];
  if (v === undefined || v === null || v === '') return null;
  if (typeof v !== 'string') malformed(`${where}.${name}`, `not a string (${typeof v})`);
  return checked(v, `${where}.${name}`);
}

export function parseEvent(raw: unknown, where = 'event'): CapturedEvent {
  if (!isObject(raw)) malformed(where, 'not a JSON object');
  const type = text(raw, 'type', where);
  if (!type.startsWith('oss:')) malformed(`${where}.type`, `"${type}" is not an OSS event type (oss:...)`);
  const data = field(raw, 'data', where);
  const oss = field(data, 'oss', `${where}.data`);
  const bucket = text(field(oss, 'bucket', `${where}.data.oss`), 'name', `${where}.data.oss.bucket`);
  if (!BUCKET_NAME.test(bucket)) malformed(`${where}.data.oss.bucket.name`, `"${bucket}" is not an OSS bucket name (3-63 of a-z, 0-9, -)`);
  const object = field(oss, 'object', `${where}.data.oss`);
  const key = text(object, 'key', `${where}.data.oss.object`);
  const keyBytes = Buffer.byteLength(key);
  if (keyBytes > MAX_KEY_BYTES) malformed(`${where}.data.oss.object.key`, `${keyBytes} bytes is over OSS's ${MAX_KEY_BYTES}-byte limit`);
  const timeText = optionalText(data, 'eventTime', `${where}.data`) ?? optionalText(raw, 'time', where);
  const eventTime = timeText === null ? NaN : Date.parse(timeText);
  if (!Number.isFinite(eventTime)) malformed(`${where}.data.eventTime`, 'missing or not an ISO-8601 time');
  const size = object.size;
  // JSON numbers are doubles: near 2^53 they are no longer exact, and a fraction is no byte count.
  if (size !== undefined && size !== null && (typeof size !== 'number' || !Number.isInteger(size) || size < 0 || size > MAX_SIZE)) {
    malformed(`${where}.data.oss.object.size`, `${JSON.stringify(size)} is not a whole number of bytes from 0 to 2^53 - 2`);
  }
  const eventName = optionalText(data, 'eventName', `${where}.data`) ?? type.slice(4);
  if (!EVENT_NAME.test(eventName)) malformed(`${where}.data.eventName`, `"${eventName}" is not an OSS event name (Category:Name)`);
  const region = optionalText(data, 'region', `${where}.data`) ?? optionalText(raw, 'aliyunregionid', where) ?? '';
  if (region !== '' && !REGION.test(region)) malformed(`${where}.data.region`, `"${region}" is not a region id (cn-hangzhou)`);
  const identity = data.userIdentity === undefined || data.userIdentity === null ? {} : field(data, 'userIdentity', `${where}.data`);
  const etag = optionalText(object, 'eTag', `${where}.data.oss.object`);
  return {
    eventId: optionalText(raw, 'id', where) ?? `${bucket}/${key}@${eventTime}:${eventName}`,
    eventName,
    operation: operationOf(eventName),
    bucket,
    region,
    key,
    versionId: optionalText(object, 'versionId', `${where}.data.oss.object`),
    etag: etag === null ? null : etag.replace(/^"|"$/g, ''),
    size: typeof size === 'number' ? size : null,
    eventTime,
    requester: optionalText(identity, 'principalId', `${where}.data.userIdentity`),
  };
}

/** The region an event names, as the config's endpoints spell it without their `oss-` prefix. */
export function shortRegion(region: string): string {
  return region.replace(/^oss-/, '');
}

/** A request body holds one event or an array of them; every one must parse, or none is taken. */
export function parseEventBody(body: unknown): CapturedEvent[] {
  if (Array.isArray(body)) {
    if (body.length === 0) malformed('body', 'an empty array holds no event');
    return body.map((e, i) => parseEvent(e, `events[${i}]`));
  }
  return [parseEvent(body)];
}
