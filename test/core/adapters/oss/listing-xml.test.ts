// The listing readers keep what ali-oss's own parsing loses: version/delete-marker order, odd keys, single items.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  completeMultipartXml, parseAcl, parseAclOwner, parseListObjectsV2, parseListParts, parseListUploads, parseListVersions, parseTagging, taggingXml, unquote,
} from '../../../../core/adapters/oss/listing-xml.ts';
import { escapeXml } from '../../../../core/adapters/oss/xml.ts';

test('ListObjectsV2: keys stay exact strings (spaces, numbers, entities), etags lose their quotes', () => {
  const doc = `<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult><Name>b</Name><IsTruncated>true</IsTruncated><NextContinuationToken>tok 1</NextContinuationToken>
  <Contents><Key>  </Key><LastModified>2024-01-02T03:04:05.678Z</LastModified><ETag>"AB"</ETag><Size>0</Size><StorageClass>IA</StorageClass></Contents>
  <Contents><Key>1e5</Key><LastModified>2024-01-02T03:04:05.000Z</LastModified><ETag>&quot;CD-2&quot;</ETag><Size>12</Size></Contents>
  <Contents><Key>a &amp; &lt;b&gt; &#x4e2d;&amp;#x41;</Key><ETag>"EF"</ETag><Size>3</Size></Contents>
</ListBucketResult>`;
  const page = parseListObjectsV2(doc);
  assert.deepEqual(page.objects.map((o) => o.key), ['  ', '1e5', 'a & <b> 中&#x41;']);
  assert.deepEqual(page.objects[0], { key: '  ', etag: 'AB', size: 0, lastModified: Date.UTC(2024, 0, 2, 3, 4, 5, 678), storageClass: 'IA' });
  assert.equal(page.objects[1].etag, 'CD-2');
  assert.equal(page.objects[1].size, 12);
  assert.equal(page.isTruncated, true);
  assert.equal(page.nextContinuationToken, 'tok 1');
});

test('ListObjectsV2: an empty bucket and a single object', () => {
  assert.deepEqual(parseListObjectsV2('<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>'),
    { objects: [], isTruncated: false, nextContinuationToken: null });
  assert.equal(parseListObjectsV2('<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>').objects.length, 1);
});

test('ListObjectVersions: versions and delete markers keep their interleaving', () => {
  const doc = `<ListVersionsResult><IsTruncated>true</IsTruncated><NextKeyMarker>b</NextKeyMarker><NextVersionIdMarker>v9</NextVersionIdMarker>
  <DeleteMarker><Key>a</Key><VersionId>v3</VersionId><IsLatest>true</IsLatest><LastModified>2024-01-01T00:00:03.000Z</LastModified></DeleteMarker>
  <Version><Key>a</Key><VersionId>v2</VersionId><IsLatest>false</IsLatest><ETag>"E2"</ETag><Size>2</Size><StorageClass>Standard</StorageClass></Version>
  <DeleteMarker><Key>a</Key><VersionId>v1</VersionId><IsLatest>false</IsLatest></DeleteMarker>
  <Version><Key>ab</Key><VersionId>v0</VersionId><IsLatest>true</IsLatest><ETag>"E0"</ETag><Size>1</Size></Version>
</ListVersionsResult>`;
  const page = parseListVersions(doc);
  assert.deepEqual(page.entries.map((e) => [e.key, e.versionId, e.isDeleteMarker, e.isLatest]), [
    ['a', 'v3', true, true], ['a', 'v2', false, false], ['a', 'v1', true, false], ['ab', 'v0', false, true],
  ]);
  assert.deepEqual(page.entries[0], { key: 'a', etag: '', size: 0, lastModified: Date.UTC(2024, 0, 1, 0, 0, 3), versionId: 'v3', isLatest: true, isDeleteMarker: true });
  assert.equal(page.entries[1].etag, 'E2');
  assert.equal(page.entries[1].storageClass, 'Standard');
  assert.equal(page.nextKeyMarker, 'b');
  assert.equal(page.nextVersionIdMarker, 'v9');
});

test('ListMultipartUploads and ListParts', () => {
  const uploads = parseListUploads(`<ListMultipartUploadsResult><IsTruncated>false</IsTruncated>
    <Upload><Key>k 1</Key><UploadId>U1</UploadId><Initiated>2024-01-01T00:00:00.000Z</Initiated></Upload></ListMultipartUploadsResult>`);
  assert.deepEqual(uploads.uploads, [{ key: 'k 1', uploadId: 'U1', initiated: Date.UTC(2024, 0, 1) }]);
  const parts = parseListParts(`<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>
    <Part><PartNumber>1</PartNumber><LastModified>2024-01-01T00:00:07.000Z</LastModified><ETag>"P1"</ETag><Size>5</Size></Part><Part><PartNumber>2</PartNumber><ETag>"P2"</ETag><Size>6</Size></Part></ListPartsResult>`);
  // A part's LastModified is its upload's heartbeat (processors/upload-leases.ts); none reads as 0.
  assert.deepEqual(parts.parts, [{ partNumber: 1, etag: 'P1', size: 5, lastModified: Date.UTC(2024, 0, 1, 0, 0, 7) }, { partNumber: 2, etag: 'P2', size: 6, lastModified: 0 }]);
  assert.equal(parts.nextPartNumberMarker, '2');
});

test('tagging XML escapes and round-trips, including empty values', () => {
  const tags = { 'a<b': 'x&y', empty: '', 'sp ace': '+=-._:/' };
  assert.deepEqual(parseTagging(taggingXml(tags, escapeXml)), tags);
  assert.deepEqual(parseTagging('<Tagging><TagSet/></Tagging>'), {});
});

test('ACL grant, and the complete-multipart body in part order with quoted etags', () => {
  assert.equal(parseAcl('<AccessControlPolicy><Owner><ID>1</ID></Owner><AccessControlList><Grant>public-read</Grant></AccessControlList></AccessControlPolicy>'), 'public-read');
  const xml = completeMultipartXml([{ partNumber: 2, etag: 'B' }, { partNumber: 1, etag: '"A"' }]);
  assert.match(xml, /<Part><PartNumber>1<\/PartNumber><ETag>"A"<\/ETag><\/Part><Part><PartNumber>2<\/PartNumber><ETag>"B"<\/ETag><\/Part>/);
  assert.equal(unquote('W/"x"'), 'x');
});

test('parseAclOwner: the Owner ID of a GetObjectAcl answer, unescaped; none when absent', () => {
  assert.equal(parseAclOwner('<AccessControlPolicy><Owner><ID>1305433xxxx</ID><DisplayName>1305433xxxx</DisplayName></Owner><AccessControlList><Grant>default</Grant></AccessControlList></AccessControlPolicy>'), '1305433xxxx');
  assert.equal(parseAclOwner('<AccessControlPolicy><Owner>\n  <ID>a&amp;b</ID></Owner></AccessControlPolicy>'), 'a&b');
  assert.equal(parseAclOwner('<AccessControlPolicy><AccessControlList><Grant>private</Grant></AccessControlList></AccessControlPolicy>'), undefined);
});
