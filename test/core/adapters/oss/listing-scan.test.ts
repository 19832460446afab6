// The listing scanner reads exactly what the general XML tree reads, on generated listings full of odd keys
// (unicode, astral planes, entities, numeric references, CDATA, CR/LF, spaces, %, very long keys), in both the
// server's escaping and others a server may use; it hands anything it does not read back to the tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseListObjectsV2, parseListObjectsV2Tree, parseListVersions, parseListVersionsTree } from '../../../../core/adapters/oss/listing-xml.ts';
import { scanRoot } from '../../../../core/adapters/oss/listing-scan.ts';

// A small deterministic generator, so a failure names a seed that reproduces it.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ['a', 'Z', '0', ' ', '  ', '%', '%20', '%zz', '&', '<', '>', '"', "'", '&amp;', '&#x41;', ']]>', '/', '+', '=', '?', '#',
  'ü', 'é', '中文', 'д', '😀', '𝄞', '\u00a0', '\ue000', '\uffff', '\t', '\r', '\r\n', '\n', '1e5', '.', '..', '~', '-', '_'];

function oddKey(r: () => number): string {
  if (r() < 0.03) return 'L'.repeat(900) + '😀'.repeat(20) + '&<>'; // a very long key (OSS allows 1023 bytes)
  let k = '';
  const n = 1 + Math.floor(r() * 8);
  for (let i = 0; i < n; i++) k += PIECES[Math.floor(r() * PIECES.length)];
  return k;
}

type Style = 'server' | 'numeric' | 'cdata' | 'minimal';

/** Escapes text the ways XML writers do: the server's five entities, numeric references, CDATA, or the minimum. */
function escape(s: string, style: Style, r: () => number): string {
  if (style === 'cdata' && !s.includes(']]>')) return `<![CDATA[${s}]]>`;
  if (style === 'numeric' && r() < 0.3) return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/\r/g, '&#13;');
  if (style === 'numeric') {
    return [...s].map((c) => (/[&<>"']/.test(c) || (c.codePointAt(0)! > 0x7f && r() < 0.5)
      ? (r() < 0.5 ? `&#${c.codePointAt(0)};` : `&#x${c.codePointAt(0)!.toString(16).toUpperCase()};`) : c)).join('');
  }
  if (style === 'minimal') return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&apos;' })[c]!);
}

const iso = (r: () => number) => new Date(Date.UTC(2026, 0, 1) + Math.floor(r() * 3e10 / 1000) * 1000).toISOString();
const owner = '<Owner><ID>1234</ID><DisplayName>1234</DisplayName></Owner>';

function objectsDoc(seed: number): string {
  const r = rng(seed);
  const style = (['server', 'numeric', 'cdata', 'minimal'] as Style[])[seed % 4]!;
  const sp = r() < 0.5 ? '\n  ' : '';
  let doc = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult${r() < 0.3 ? ' xmlns="http://doc.oss-cn-hangzhou.aliyuncs.com"' : ''}>`;
  doc += `${sp}<Name>b</Name><Prefix>${escape(oddKey(r), style, r)}</Prefix><MaxKeys>1000</MaxKeys><IsTruncated>${r() < 0.5}</IsTruncated>`;
  if (r() < 0.7) doc += `<NextContinuationToken>${escape(oddKey(r), style, r)}</NextContinuationToken>`;
  const n = Math.floor(r() * 40);
  for (let i = 0; i < n; i++) {
    doc += `${sp}<Contents>${sp}<Key>${escape(oddKey(r), style, r)}</Key><LastModified>${iso(r)}</LastModified>`;
    doc += `<ETag>${r() < 0.5 ? '&quot;' : '"'}${Math.floor(r() * 1e12).toString(16).toUpperCase()}${r() < 0.2 ? '-3' : ''}${r() < 0.5 ? '&quot;' : '"'}</ETag>`;
    doc += `<Type>Normal</Type><Size>${Math.floor(r() * 1e10)}</Size>${r() < 0.8 ? `<StorageClass>${r() < 0.5 ? 'Standard' : 'IA'}</StorageClass>` : ''}`;
    doc += `${r() < 0.5 ? owner : ''}${r() < 0.1 ? '<!-- a comment -->' : ''}${sp}</Contents>`;
  }
  if (r() < 0.3) doc += `<CommonPrefixes><Prefix>${escape(oddKey(r), style, r)}/</Prefix></CommonPrefixes>`;
  return `${doc}${sp}</ListBucketResult>`;
}

function versionsDoc(seed: number): string {
  const r = rng(seed);
  const style = (['server', 'numeric', 'cdata', 'minimal'] as Style[])[seed % 4]!;
  let doc = `<?xml version="1.0" encoding="UTF-8"?>\n<ListVersionsResult><Name>b</Name><KeyMarker>${escape(oddKey(r), style, r)}</KeyMarker><VersionIdMarker></VersionIdMarker>`;
  doc += `<IsTruncated>${r() < 0.5}</IsTruncated>`;
  if (r() < 0.7) doc += `<NextKeyMarker>${escape(oddKey(r), style, r)}</NextKeyMarker><NextVersionIdMarker>CAEQ${Math.floor(r() * 1e9)}</NextVersionIdMarker>`;
  const n = Math.floor(r() * 30);
  for (let i = 0; i < n; i++) {
    const key = `<Key>${escape(oddKey(r), style, r)}</Key>`;
    const v = 5 + Math.floor(r() * 3);
    for (let j = 0; j < v; j++) {
      const id = `<VersionId>CAEQ${Math.floor(r() * 1e12)}</VersionId><IsLatest>${j === 0}</IsLatest><LastModified>${iso(r)}</LastModified>`;
      doc += r() < 0.25
        ? `<DeleteMarker>${key}${id}${owner}</DeleteMarker>`
        : `<Version>${key}${id}<ETag>"${Math.floor(r() * 1e12).toString(16)}"</ETag><Type>Normal</Type><Size>${Math.floor(r() * 1e6)}</Size><StorageClass>Standard</StorageClass>${owner}</Version>`;
    }
  }
  return `${doc}</ListVersionsResult>`;
}

test('ListObjectsV2: the scanner reads 160 generated pages of odd keys exactly as the XML tree does', () => {
  let keys = 0;
  for (let seed = 1; seed <= 160; seed++) {
    const doc = objectsDoc(seed);
    scanRoot(doc); // the scanner reads it itself (a fallback to the tree would make the comparison vacuous)
    const fast = parseListObjectsV2(doc);
    assert.deepEqual(fast, parseListObjectsV2Tree(doc), `seed ${seed}`);
    keys += fast.objects.length;
  }
  assert.ok(keys > 2000, `only ${keys} keys generated`);
});

test('ListObjectVersions: the scanner reads 60 generated pages (versions, delete markers, owners) as the tree does', () => {
  let entries = 0;
  let markers = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const doc = versionsDoc(seed);
    scanRoot(doc);
    const fast = parseListVersions(doc);
    assert.deepEqual(fast, parseListVersionsTree(doc), `seed ${seed}`);
    entries += fast.entries.length;
    markers += fast.entries.filter((e) => e.isDeleteMarker).length;
  }
  assert.ok(entries > 2000 && markers > 400, `${entries} entries, ${markers} delete markers`);
});

test('the scanner decodes what it reads: entities, numeric references, CDATA; and the tree takes what it cannot read', () => {
  const doc = '<ListBucketResult><IsTruncated>false</IsTruncated>'
    + '<Contents><Key>a &amp; &lt;b&gt; &#x1F600;&#20013;&apos;&quot; %41</Key><ETag>"E"</ETag><Size>1</Size></Contents>'
    + '<Contents><Key><![CDATA[x <&> ]]>y&amp;</Key><ETag>"F"</ETag><Size>2</Size></Contents></ListBucketResult>';
  assert.deepEqual(parseListObjectsV2(doc).objects.map((o) => o.key), ['a & <b> 😀中\'" %41', 'x <&> y&']);
  assert.deepEqual(scanRoot(doc).children.map((c) => c.name), ['IsTruncated', 'Contents', 'Contents']);
  // An HTML entity is not XML: the scanner refuses it and the general parser (which decodes it) answers.
  const html = '<ListBucketResult><Contents><Key>a&nbsp;b</Key><ETag>"E"</ETag><Size>1</Size></Contents></ListBucketResult>';
  assert.throws(() => scanRoot(html), /entity/);
  assert.deepEqual(parseListObjectsV2(html), parseListObjectsV2Tree(html));
  assert.throws(() => scanRoot('<ListBucketResult><Contents><Key>a</Contents></ListBucketResult>'), /mismatched/);
});

test('encoding-type=url: keys and the next key marker come back decoded', () => {
  const enc = encodeURIComponent;
  const key = 'a b/%/ü/😀/&<>\u0001';
  const objects = `<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated><Contents><Key>${enc(key)}</Key><ETag>"E"</ETag><Size>1</Size></Contents></ListBucketResult>`;
  assert.equal(parseListObjectsV2(objects).objects[0]!.key, key);
  assert.deepEqual(parseListObjectsV2(objects), parseListObjectsV2Tree(objects));
  const versions = `<ListVersionsResult><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextKeyMarker>${enc(key)}</NextKeyMarker>`
    + `<NextVersionIdMarker>v1</NextVersionIdMarker><Version><Key>${enc(key)}</Key><VersionId>v1</VersionId><IsLatest>true</IsLatest><ETag>"E"</ETag><Size>1</Size></Version></ListVersionsResult>`;
  const page = parseListVersions(versions);
  assert.equal(page.entries[0]!.key, key);
  assert.equal(page.nextKeyMarker, key);
  assert.deepEqual(page, parseListVersionsTree(versions));
});
