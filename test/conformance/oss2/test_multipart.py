"""Multipart upload: initiate, upload parts, list uploads, list parts, complete (OSS's `-N` ETag and the
whole-object CRC-64, checked by oss2), abort; times of uploads and parts parsed as OSS writes them."""
import os
import time

import oss2
import pytest


def test_initiate_upload_list_complete_and_abort(bucket):
    start = int(time.time())
    part1, part2 = os.urandom(100 * 1024), os.urandom(1234)
    up = bucket.init_multipart_upload('mp/object.bin', headers={'Content-Type': 'video/mp4', 'x-oss-meta-via': 'mp'})
    other = bucket.init_multipart_upload('mp/abandoned.bin')
    r1 = bucket.upload_part('mp/object.bin', up.upload_id, 1, part1)
    r2 = bucket.upload_part('mp/object.bin', up.upload_id, 2, part2)

    uploads = bucket.list_multipart_uploads(prefix='mp/')
    assert sorted(u.key for u in uploads.upload_list) == ['mp/abandoned.bin', 'mp/object.bin']
    assert all(start <= u.initiation_date <= int(time.time()) for u in uploads.upload_list)
    assert [u.key for u in oss2.MultipartUploadIterator(bucket, prefix='mp/', max_uploads=1)] == ['mp/abandoned.bin', 'mp/object.bin']

    parts = bucket.list_parts('mp/object.bin', up.upload_id)
    assert [(p.part_number, p.size, p.etag) for p in parts.parts] == [(1, len(part1), r1.etag), (2, len(part2), r2.etag)]
    assert all(start <= p.last_modified <= int(time.time()) for p in parts.parts)
    assert [p.part_number for p in oss2.PartIterator(bucket, 'mp/object.bin', up.upload_id, max_parts=1)] == [1, 2]

    done = bucket.complete_multipart_upload('mp/object.bin', up.upload_id, [oss2.models.PartInfo(1, r1.etag), oss2.models.PartInfo(2, r2.etag)])
    assert done.status == 200 and done.etag.endswith('-2')
    got = bucket.get_object('mp/object.bin')
    assert got.read() == part1 + part2
    assert got.headers['Content-Type'] == 'video/mp4' and got.headers['x-oss-meta-via'] == 'mp'
    assert bucket.head_object('mp/object.bin').object_type == 'Multipart'

    bucket.abort_multipart_upload('mp/abandoned.bin', other.upload_id)
    assert bucket.list_multipart_uploads(prefix='mp/').upload_list == []
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        bucket.list_parts('mp/abandoned.bin', other.upload_id)


def test_complete_refuses_wrong_parts(bucket):
    up = bucket.init_multipart_upload('mp/bad')
    r1 = bucket.upload_part('mp/bad', up.upload_id, 1, b'small')
    r2 = bucket.upload_part('mp/bad', up.upload_id, 2, b'small too')
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.complete_multipart_upload('mp/bad', up.upload_id, [oss2.models.PartInfo(1, '"00000000000000000000000000000000"')])
    assert (e.value.status, e.value.code) == (400, 'InvalidPart')
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.complete_multipart_upload('mp/bad', up.upload_id, [oss2.models.PartInfo(1, r1.etag), oss2.models.PartInfo(2, r2.etag)])
    assert (e.value.status, e.value.code) == (400, 'EntityTooSmall')
    bucket.abort_multipart_upload('mp/bad', up.upload_id)
