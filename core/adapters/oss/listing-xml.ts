// Pure readers of the OSS listing documents (ListObjectsV2, ListObjectVersions, ListMultipartUploads, ListParts)
// into the port's types, keeping the server's order.
import type { ListedObject, MultipartUpload, UploadedPart } from '../../ports/object-store.ts';
import { scanRoot, ScanUnsupported, type ScannedChild } from './listing-scan.ts';
import { childrenNamed, childText, parseXml, type XmlElement } from './xml.ts';

export function unquote(etag: string | undefined): string {
  return (etag ?? '').replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

function ms(iso: string | undefined): number {
  const t = iso ? Date.parse(iso) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

const truncated = (root: XmlElement) => childText(root, 'IsTruncated') === 'true';
const orNull = (s: string | undefined) => (s === undefined || s === '' ? null : s);

export interface ObjectsPage {
  objects: ListedObject[];
  isTruncated: boolean;
  nextContinuationToken: string | null;
}

/** A ListObjectsV2 page: the scanner, or the XML tree for a document the scanner does not read. */
export function parseListObjectsV2(doc: string | Buffer): ObjectsPage {
  const text = typeof doc === 'string' ? doc : doc.toString('utf8');
  try {
    return scanListObjectsV2(text);
  } catch (err) {
    if (err instanceof ScanUnsupported) return parseListObjectsV2Tree(text);
    throw err;
  }
}

/** `encoding-type=url` answers carry keys and markers URL-encoded. */
function decoder(top: Map<string, string>): (s: string) => string {
  return top.get('EncodingType') === 'url' ? (s) => decodeURIComponent(s) : (s) => s;
}

function topLevel(children: ScannedChild[]): Map<string, string> {
  const top = new Map<string, string>();
  for (const c of children) if (c.fields === null && !top.has(c.name)) top.set(c.name, c.text);
  return top;
}

function scanListObjectsV2(doc: string): ObjectsPage {
  const { children } = scanRoot(doc);
  const top = topLevel(children);
  const dec = decoder(top);
  const objects: ListedObject[] = [];
  for (const c of children) {
    if (c.name !== 'Contents') continue;
    const f = c.fields ?? {};
    const o: ListedObject = { key: dec(f.Key ?? ''), etag: unquote(f.ETag), size: Number(f.Size ?? 0), lastModified: ms(f.LastModified) };
    if (f.StorageClass) o.storageClass = f.StorageClass;
    objects.push(o);
  }
  const token = orNull(top.get('NextContinuationToken'));
  return { objects, isTruncated: top.get('IsTruncated') === 'true', nextContinuationToken: token };
}

/** The general reading of a ListObjectsV2 page, through the XML tree (kept for what the scanner does not read). */
export function parseListObjectsV2Tree(doc: string | Buffer): ObjectsPage {
  const root = parseXml(doc);
  const dec = decoder(new Map([['EncodingType', childText(root, 'EncodingType') ?? '']]));
  const objects = childrenNamed(root, 'Contents').map((c) => {
    const o: ListedObject = {
      key: dec(childText(c, 'Key') ?? ''),
      etag: unquote(childText(c, 'ETag')),
      size: Number(childText(c, 'Size') ?? 0),
      lastModified: ms(childText(c, 'LastModified')),
    };
    const storageClass = childText(c, 'StorageClass');
    if (storageClass) o.storageClass = storageClass;
    return o;
  });
  return { objects, isTruncated: truncated(root), nextContinuationToken: orNull(childText(root, 'NextContinuationToken')) };
}

export interface VersionsPage {
  entries: ListedObject[];
  isTruncated: boolean;
  nextKeyMarker: string | null;
  nextVersionIdMarker: string | null;
}

/** Versions and delete markers in document order: keys ascending, newest first within a key. */
export function parseListVersions(doc: string | Buffer): VersionsPage {
  const text = typeof doc === 'string' ? doc : doc.toString('utf8');
  try {
    return scanListVersions(text);
  } catch (err) {
    if (err instanceof ScanUnsupported) return parseListVersionsTree(text);
    throw err;
  }
}

function versionEntry(name: string, f: Record<string, string | undefined>, dec: (s: string) => string): ListedObject {
  const marker = name === 'DeleteMarker';
  const e: ListedObject = {
    key: dec(f.Key ?? ''),
    etag: marker ? '' : unquote(f.ETag),
    size: marker ? 0 : Number(f.Size ?? 0),
    lastModified: ms(f.LastModified),
    versionId: f.VersionId ?? null,
    isLatest: f.IsLatest === 'true',
    isDeleteMarker: marker,
  };
  if (f.StorageClass && !marker) e.storageClass = f.StorageClass;
  return e;
}

function scanListVersions(doc: string): VersionsPage {
  const { children } = scanRoot(doc);
  const top = topLevel(children);
  const dec = decoder(top);
  const entries: ListedObject[] = [];
  for (const c of children) if (c.name === 'Version' || c.name === 'DeleteMarker') entries.push(versionEntry(c.name, c.fields ?? {}, dec));
  const nextKeyMarker = orNull(top.get('NextKeyMarker'));
  return {
    entries,
    isTruncated: top.get('IsTruncated') === 'true',
    nextKeyMarker: nextKeyMarker === null ? null : dec(nextKeyMarker),
    nextVersionIdMarker: orNull(top.get('NextVersionIdMarker')),
  };
}

/** The general reading of a ListObjectVersions page, through the XML tree. */
export function parseListVersionsTree(doc: string | Buffer): VersionsPage {
  const root = parseXml(doc);
  const dec = decoder(new Map([['EncodingType', childText(root, 'EncodingType') ?? '']]));
  const entries: ListedObject[] = [];
  for (const c of root.children) {
    if (c.name !== 'Version' && c.name !== 'DeleteMarker') continue;
    const fields: Record<string, string | undefined> = {};
    for (const name of ['Key', 'ETag', 'Size', 'LastModified', 'VersionId', 'IsLatest', 'StorageClass']) fields[name] = childText(c, name);
    entries.push(versionEntry(c.name, fields, dec));
  }
  const nextKeyMarker = orNull(childText(root, 'NextKeyMarker'));
  return {
    entries,
    isTruncated: truncated(root),
    nextKeyMarker: nextKeyMarker === null ? null : dec(nextKeyMarker),
    nextVersionIdMarker: orNull(childText(root, 'NextVersionIdMarker')),
  };
}

export interface UploadsPage {
  uploads: MultipartUpload[];
  isTruncated: boolean;
  nextKeyMarker: string | null;
  nextUploadIdMarker: string | null;
}

export function parseListUploads(doc: string | Buffer): UploadsPage {
  const root = parseXml(doc);
  const uploads = childrenNamed(root, 'Upload').map((u) => ({
    key: childText(u, 'Key') ?? '',
    uploadId: childText(u, 'UploadId') ?? '',
    initiated: ms(childText(u, 'Initiated')),
  }));
  return {
    uploads,
    isTruncated: truncated(root),
    nextKeyMarker: orNull(childText(root, 'NextKeyMarker')),
    nextUploadIdMarker: orNull(childText(root, 'NextUploadIdMarker')),
  };
}

export interface PartsPage {
  parts: UploadedPart[];
  isTruncated: boolean;
  nextPartNumberMarker: string | null;
}

export function parseListParts(doc: string | Buffer): PartsPage {
  const root = parseXml(doc);
  const parts = childrenNamed(root, 'Part').map((p) => ({
    partNumber: Number(childText(p, 'PartNumber')),
    etag: unquote(childText(p, 'ETag')),
    size: Number(childText(p, 'Size') ?? 0),
    lastModified: ms(childText(p, 'LastModified')),
  }));
  return { parts, isTruncated: truncated(root), nextPartNumberMarker: orNull(childText(root, 'NextPartNumberMarker')) };
}

/** The body of PutObjectTagging, escaped (ali-oss neither escapes tags nor allows empty values). */
export function taggingXml(tags: Record<string, string>, escape: (s: string) => string): string {
  const tagXml = Object.entries(tags)
    .map(([k, v]) => `<Tag><Key>${escape(k)}</Key><Value>${escape(v)}</Value></Tag>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Tagging><TagSet>${tagXml}</TagSet></Tagging>`;
}

export function parseTagging(doc: string | Buffer): Record<string, string> {
  const root = parseXml(doc);
  const tags: Record<string, string> = {};
  const set = childrenNamed(root, 'TagSet')[0];
  for (const t of set ? childrenNamed(set, 'Tag') : []) tags[childText(t, 'Key') ?? ''] = childText(t, 'Value') ?? '';
  return tags;
}

/** The one Grant of a GetObjectAcl answer. Read on every replication, so the usual shape skips the XML parser. */
export function parseAcl(doc: string | Buffer): string {
  const text = typeof doc === 'string' ? doc : doc.toString('utf8');
  const usual = /<AccessControlList>\s*<Grant>([a-z-]+)<\/Grant>\s*<\/AccessControlList>/.exec(text);
  if (usual) return usual[1];
  const root = parseXml(text);
  const list = childrenNamed(root, 'AccessControlList')[0];
  return (list && childText(list, 'Grant')) || 'default';
}

/** The Owner ID of a GetObjectAcl answer (what OSS reports as the object's owner; HEAD does not), if any. */
export function parseAclOwner(doc: string | Buffer): string | undefined {
  const text = typeof doc === 'string' ? doc : doc.toString('utf8');
  const id = /<Owner>\s*<ID>([^<]*)<\/ID>/.exec(text)?.[1];
  return id ? unescapeXmlText(id) : undefined;
}

function unescapeXmlText(s: string): string {
  return s.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[e]);
}

export function parseVersioningStatus(doc: string | Buffer): string | null {
  return orNull(childText(parseXml(doc), 'Status'));
}

export function completeMultipartXml(parts: { partNumber: number; etag: string }[]): string {
  const body = [...parts]
    .sort((a, b) => a.partNumber - b.partNumber)
    .map((p) => `<Part><PartNumber>${p.partNumber}</PartNumber><ETag>"${unquote(p.etag)}"</ETag></Part>`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<CompleteMultipartUpload>${body}</CompleteMultipartUpload>`;
}
