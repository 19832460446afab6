"""Versioning: versions and delete markers listed with their times, reads by version id, version deletes
and delete-marker removal."""
import time

import oss2
import pytest


def enable(bucket):
    config = oss2.models.BucketVersioningConfig()
    config.status = oss2.BUCKET_VERSIONING_ENABLE
    bucket.put_bucket_versioning(config)
    assert bucket.get_bucket_versioning().status == oss2.BUCKET_VERSIONING_ENABLE


def test_versions_delete_markers_and_version_deletes(bucket):
    enable(bucket)
    start = int(time.time())
    v1 = bucket.put_object('k', b'one').versionid
    v2 = bucket.put_object('k', b'two').versionid
    assert v1 and v2 and v1 != v2
    removed = bucket.delete_object('k')
    assert removed.delete_marker and removed.versionid
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object('k')

    listing = bucket.list_object_versions(prefix='k')
    assert [v.versionid for v in listing.versions] == [v2, v1]
    assert [m.versionid for m in listing.delete_marker] == [removed.versionid]
    assert listing.delete_marker[0].is_latest and not listing.versions[0].is_latest
    for entry in listing.versions + listing.delete_marker:
        assert start <= entry.last_modified <= int(time.time())

    assert bucket.get_object('k', params={'versionId': v1}).read() == b'one'
    assert bucket.head_object('k', params={'versionId': v2}).versionid == v2

    bucket.delete_object('k', params={'versionId': v1})
    assert [v.versionid for v in bucket.list_object_versions(prefix='k').versions] == [v2]
    bucket.delete_object('k', params={'versionId': removed.versionid})
    assert bucket.get_object('k').read() == b'two'


def test_version_paging_and_batch_version_delete(bucket):
    enable(bucket)
    ids = [bucket.put_object('p/%d' % (i % 2), b'%d' % i).versionid for i in range(5)]
    page = bucket.list_object_versions(prefix='p/', max_keys=2)
    assert page.is_truncated and len(page.versions) == 2
    rest = bucket.list_object_versions(prefix='p/', key_marker=page.next_key_marker, versionid_marker=page.next_versionid_marker)
    assert sorted(v.versionid for v in page.versions + rest.versions) == sorted(ids)
    objects = oss2.models.BatchDeleteObjectVersionList([oss2.models.BatchDeleteObjectVersion('p/0', ids[0])])
    result = bucket.delete_object_versions(objects)
    assert [(d.key, d.versionid) for d in result.delete_versions] == [('p/0', ids[0])]
    assert ids[0] not in [v.versionid for v in bucket.list_object_versions(prefix='p/').versions]
