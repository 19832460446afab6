// Pure listing logic over a bucket's byte-ordered keys: ListObjects / V2 pages (prefix, delimiter, marker,
// max-keys, common prefixes) and ListObjectVersions pages (key and version-id markers, delete markers).
import type { SortedKeys } from './store/sorted-keys.ts';
import type { KeyRecord, ObjectVersion } from './store/types.ts';

export interface ListSource { keys: SortedKeys; objects: Map<string, KeyRecord> }

export interface ListQuery { prefix: string; delimiter: string; marker: string; maxKeys: number }

export type Entry = { kind: 'object'; key: string; version: ObjectVersion; isLatest: boolean } | { kind: 'prefix'; prefix: string };

export interface Page { entries: Entry[]; truncated: boolean; nextKeyMarker?: string; nextVersionIdMarker?: string }

const AFTER_ALL = Buffer.from([0xff]);

/** First index past every key that starts with `p` (UTF-8 never contains 0xFF, so p‖0xFF bounds them). */
function skipPrefix(src: ListSource, p: string): number {
  return src.keys.lowerBound(Buffer.concat([Buffer.from(p), AFTER_ALL]));
}

function startIndex(src: ListSource, q: ListQuery): number {
  let i = q.marker ? src.keys.lowerBound(Buffer.from(q.marker), true) : 0;
  if (q.prefix) i = Math.max(i, src.keys.lowerBound(Buffer.from(q.prefix)));
  return i;
}

function live(rec: KeyRecord | undefined): ObjectVersion | undefined {
  const v = rec?.versions[0];
  return v && !v.deleteMarker ? v : undefined;
}

/**
 * Walks keys from `i`, rolling keys up into common prefixes when a delimiter is set. `hasItems` says whether a
 * key contributes anything (a current object for ListObjects, any version for ListObjectVersions).
 */
function* walk(src: ListSource, q: ListQuery, i: number, hasItems: (rec: KeyRecord) => boolean): Generator<{ key: string; rec: KeyRecord } | { prefix: string }> {
  while (i < src.keys.size) {
    const key = src.keys.at(i);
    if (q.prefix && !key.startsWith(q.prefix)) return;
    if (q.delimiter) {
      const d = key.indexOf(q.delimiter, q.prefix.length);
      if (d >= 0) {
        const cp = key.slice(0, d + q.delimiter.length);
        const end = skipPrefix(src, cp);
        let any = false;
        for (let j = i; j < end && !any; j++) any = hasItems(src.objects.get(src.keys.at(j)) as KeyRecord);
        if (any && cp !== q.marker) yield { prefix: cp };
        i = end;
        continue;
      }
    }
    const rec = src.objects.get(key) as KeyRecord;
    if (hasItems(rec)) yield { key, rec };
    i++;
  }
}

export function listObjects(src: ListSource, q: ListQuery): Page {
  const entries: Entry[] = [];
  let truncated = false;
  for (const item of walk(src, q, startIndex(src, q), (rec) => !!live(rec))) {
    if (entries.length >= q.maxKeys) {
      truncated = true;
      break;
    }
    if ('prefix' in item) entries.push({ kind: 'prefix', prefix: item.prefix });
    else entries.push({ kind: 'object', key: item.key, version: live(item.rec) as ObjectVersion, isLatest: true });
  }
  const last = entries[entries.length - 1];
  return { entries, truncated, nextKeyMarker: truncated && last ? (last.kind === 'prefix' ? last.prefix : last.key) : undefined };
}

export interface VersionQuery extends ListQuery { versionIdMarker: string }

export function listVersions(src: ListSource, q: VersionQuery): Page {
  const entries: Entry[] = [];
  let truncated = false;
  let lastVersion: string | undefined;
  const push = (key: string, rec: KeyRecord, from: number): boolean => {
    for (let j = from; j < rec.versions.length; j++) {
      if (entries.length >= q.maxKeys) return false;
      entries.push({ kind: 'object', key, version: rec.versions[j], isLatest: j === 0 });
      lastVersion = rec.versions[j].versionId;
    }
    return true;
  };
  // Rest of the marker key's versions first, when the page boundary fell inside it.
  if (q.marker && q.versionIdMarker && (!q.prefix || q.marker.startsWith(q.prefix))) {
    const rec = src.objects.get(q.marker);
    const at = rec ? rec.versions.findIndex((v) => v.versionId === q.versionIdMarker) : -1;
    if (rec && at >= 0 && !push(q.marker, rec, at + 1)) truncated = true;
  }
  if (!truncated) {
    for (const item of walk(src, q, startIndex(src, q), (rec) => rec.versions.length > 0)) {
      if ('prefix' in item) {
        if (entries.length >= q.maxKeys) {
          truncated = true;
          break;
        }
        entries.push({ kind: 'prefix', prefix: item.prefix });
        lastVersion = undefined;
      } else if (!push(item.key, item.rec, 0)) {
        truncated = true;
        break;
      }
    }
  }
  const last = entries[entries.length - 1];
  if (!truncated || !last) return { entries, truncated };
  return last.kind === 'prefix'
    ? { entries, truncated, nextKeyMarker: last.prefix }
    : { entries, truncated, nextKeyMarker: last.key, nextVersionIdMarker: lastVersion };
}
