"""Listings v1 and v2: paging with markers and continuation tokens, delimiters and common prefixes,
URL encoding, and times (oss2 parses LastModified strictly: OSS's whole seconds, `...T08:37:29.000Z`)."""
import time

import oss2

KEYS = ['a/1.txt', 'a/2.txt', 'a/b/3.txt', 'c.txt', 'd/4.txt', 'e f+g%.txt', 'z/ü.txt']


def fill(bucket):
    start = int(time.time())
    for k in KEYS:
        bucket.put_object(k, k.encode())
    return start, int(time.time())


def test_list_objects_v1_pages_and_prefixes(bucket):
    start, end = fill(bucket)
    page = bucket.list_objects(max_keys=3)
    assert page.is_truncated and [o.key for o in page.object_list] == KEYS[:3] and page.next_marker == 'a/b/3.txt'
    rest = bucket.list_objects(marker=page.next_marker, max_keys=100)
    assert not rest.is_truncated and [o.key for o in rest.object_list] == KEYS[3:]
    for o in page.object_list + rest.object_list:
        assert start <= o.last_modified <= end
        assert o.size == len(o.key.encode()) and o.storage_class == 'Standard' and o.type == 'Normal'
    top = bucket.list_objects(delimiter='/')
    assert [o.key for o in top.object_list] == ['c.txt', 'e f+g%.txt']
    assert top.prefix_list == ['a/', 'd/', 'z/']
    under = bucket.list_objects(prefix='a/', delimiter='/')
    assert [o.key for o in under.object_list] == ['a/1.txt', 'a/2.txt'] and under.prefix_list == ['a/b/']
    assert [o.key for o in oss2.ObjectIterator(bucket, max_keys=2)] == KEYS


def test_list_objects_v2_pages_and_prefixes(bucket):
    start, end = fill(bucket)
    page = bucket.list_objects_v2(max_keys=2)
    assert page.is_truncated and [o.key for o in page.object_list] == KEYS[:2]
    page2 = bucket.list_objects_v2(continuation_token=page.next_continuation_token, max_keys=2)
    assert [o.key for o in page2.object_list] == KEYS[2:4]
    after = bucket.list_objects_v2(start_after='d/4.txt')
    assert [o.key for o in after.object_list] == KEYS[5:] and not after.is_truncated
    top = bucket.list_objects_v2(delimiter='/', fetch_owner=True)
    assert [o.key for o in top.object_list] == ['c.txt', 'e f+g%.txt'] and top.prefix_list == ['a/', 'd/', 'z/']
    assert all(o.owner is not None and o.owner.id for o in top.object_list)
    everything = list(oss2.ObjectIteratorV2(bucket, max_keys=3))
    assert [o.key for o in everything] == KEYS
    assert all(start <= o.last_modified <= end for o in everything)


def test_list_buckets_shows_the_bucket(bucket, sig):
    service = oss2.Service(bucket.auth, bucket.endpoint, region=bucket.region)
    names = [b.name for b in oss2.BucketIterator(service, prefix=bucket.bucket_name)]
    assert names == [bucket.bucket_name]
    listed = service.list_buckets(prefix=bucket.bucket_name).buckets[0]
    assert abs(listed.creation_date - time.time()) < 300
