"""Objects: headers and user metadata, server-side encryption, ACL, tagging, conditional and ranged GETs, copy with REPLACE,
batch delete, presigned URLs (V1 and V4), and the refusals of wrong keys and signatures."""
import time

import oss2
import pytest
import requests

from conftest import AK, ENDPOINT, error_of, make_auth, make_bucket


def test_headers_and_user_metadata_round_trip(bucket):
    headers = {'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache', 'Content-Disposition': 'attachment; filename="a.txt"',
               'Content-Encoding': 'identity', 'Content-Language': 'en', 'Expires': 'Wed, 01 Dec 2027 00:00:00 GMT',
               'x-oss-meta-owner': 'alice', 'x-oss-meta-Mixed-Case': 'Value 1'}
    put = bucket.put_object('dir/a.txt', b'hello world', headers=headers)
    assert put.status == 200 and put.crc is not None
    head = bucket.head_object('dir/a.txt')
    assert head.content_length == 11 and head.content_type == 'text/plain; charset=utf-8'
    assert head.etag == put.etag and head.object_type == 'Normal'
    assert abs(head.last_modified - time.time()) < 300
    for name, value in headers.items():
        if not name.startswith('x-oss-meta-'):
            assert head.headers[name] == value, name
    assert head.headers['x-oss-meta-owner'] == 'alice'
    assert head.headers['x-oss-meta-mixed-case'] == 'Value 1'
    got = bucket.get_object('dir/a.txt')
    assert got.read() == b'hello world'
    assert got.server_crc == put.crc
    meta = bucket.get_object_meta('dir/a.txt')
    assert meta.content_length == 11 and meta.etag == put.etag and meta.last_modified == head.last_modified
    assert bucket.object_exists('dir/a.txt') and not bucket.object_exists('dir/none.txt')
    with pytest.raises(oss2.exceptions.NoSuchKey):
        bucket.get_object('dir/none.txt')


def test_object_and_bucket_acl(bucket):
    bucket.put_object('acl.txt', b'x')
    assert bucket.get_object_acl('acl.txt').acl == oss2.OBJECT_ACL_DEFAULT
    bucket.put_object_acl('acl.txt', oss2.OBJECT_ACL_PUBLIC_READ)
    assert bucket.get_object_acl('acl.txt').acl == oss2.OBJECT_ACL_PUBLIC_READ
    assert bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PRIVATE
    anonymous = make_bucket(oss2.AnonymousAuth(), bucket.bucket_name)
    assert anonymous.get_object('acl.txt').read() == b'x'
    bucket.put_object_acl('acl.txt', oss2.OBJECT_ACL_PRIVATE)
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.get_object('acl.txt')
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ)
    assert bucket.get_bucket_acl().acl == oss2.BUCKET_ACL_PUBLIC_READ
    info = bucket.get_bucket_info()
    assert info.name == bucket.bucket_name and info.acl.grant == oss2.BUCKET_ACL_PUBLIC_READ and info.creation_date.endswith('.000Z')


def test_tagging(bucket):
    rule = oss2.models.TaggingRule()
    rule.add('project', 'crr')
    rule.add('with space', 'a/b=c')
    bucket.put_object('tagged', b'x', headers={'x-oss-tagging': 'k1=v1'})
    assert bucket.get_object_tagging('tagged').tag_set.tagging_rule == {'k1': 'v1'}
    bucket.put_object_tagging('tagged', oss2.models.Tagging(rule))
    assert bucket.get_object_tagging('tagged').tag_set.tagging_rule == {'project': 'crr', 'with space': 'a/b=c'}
    assert bucket.head_object('tagged').headers['x-oss-tagging-count'] == '2'
    bucket.delete_object_tagging('tagged')
    assert bucket.get_object_tagging('tagged').tag_set.tagging_rule == {}


def test_conditional_gets(bucket):
    put = bucket.put_object('cond', b'conditional')
    etag = '"%s"' % put.etag
    last = bucket.head_object('cond').headers['Last-Modified']
    assert bucket.get_object('cond', headers={'If-Match': etag}).read() == b'conditional'
    with pytest.raises(oss2.exceptions.PreconditionFailed) as e:
        bucket.get_object('cond', headers={'If-Match': '"0123456789ABCDEF0123456789ABCDEF"'})
    assert error_of(e) == (412, 'PreconditionFailed')
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.get_object('cond', headers={'If-None-Match': etag})
    with pytest.raises(oss2.exceptions.NotModified):
        bucket.get_object('cond', headers={'If-Modified-Since': last})
    earlier = oss2.utils.http_date(int(time.time()) - 3600)
    assert bucket.get_object('cond', headers={'If-Modified-Since': earlier}).read() == b'conditional'
    assert bucket.get_object('cond', headers={'If-Unmodified-Since': last}).read() == b'conditional'
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.get_object('cond', headers={'If-Unmodified-Since': earlier})


def test_ranged_gets(bucket):
    bucket.put_object('range', b'0123456789')
    part = bucket.get_object('range', byte_range=(2, 5))
    assert part.status == 206 and part.read() == b'2345'
    assert part.headers['Content-Range'] == 'bytes 2-5/10'
    assert bucket.get_object('range', byte_range=(None, 3)).read() == b'789'
    assert bucket.get_object('range', byte_range=(7, None)).read() == b'789'
    # Out of range: OSS ignores it by default, refuses it with the standard behaviour.
    assert bucket.get_object('range', byte_range=(20, 30)).read() == b'0123456789'
    with pytest.raises(oss2.exceptions.ServerError) as e:
        bucket.get_object('range', byte_range=(20, 30), headers={'x-oss-range-behavior': 'standard'})
    assert error_of(e) == (416, 'InvalidRange')


def test_copy_with_replace_and_copy_directives(bucket):
    bucket.put_object('src', b'copy me', headers={'Content-Type': 'text/plain', 'x-oss-meta-a': '1'})
    bucket.copy_object(bucket.bucket_name, 'src', 'copied')
    head = bucket.head_object('copied')
    assert head.content_type == 'text/plain' and head.headers['x-oss-meta-a'] == '1'
    bucket.copy_object(bucket.bucket_name, 'src', 'replaced',
                       headers={'x-oss-metadata-directive': 'REPLACE', 'Content-Type': 'application/json', 'x-oss-meta-b': '2'})
    head = bucket.head_object('replaced')
    assert head.content_type == 'application/json' and head.headers['x-oss-meta-b'] == '2' and 'x-oss-meta-a' not in head.headers
    assert bucket.get_object('replaced').read() == b'copy me'
    with pytest.raises(oss2.exceptions.PreconditionFailed):
        bucket.copy_object(bucket.bucket_name, 'src', 'never', headers={'x-oss-copy-source-if-match': '"00000000000000000000000000000000"'})


def test_batch_delete(bucket):
    keys = ['batch/%d' % i for i in range(5)]
    for k in keys:
        bucket.put_object(k, b'x')
    result = bucket.batch_delete_objects(keys[:3] + ['batch/none'])
    assert sorted(result.deleted_keys) == sorted(keys[:3] + ['batch/none'])
    assert [o.key for o in oss2.ObjectIterator(bucket, prefix='batch/')] == keys[3:]


def test_presigned_urls(bucket, sig):
    bucket.put_object('signed.txt', b'presigned')
    url = bucket.sign_url('GET', 'signed.txt', 60)
    assert ('x-oss-signature' in url) == (sig == 'v4')
    r = requests.get(url)
    assert r.status_code == 200 and r.content == b'presigned'
    put_url = bucket.sign_url('PUT', 'uploaded.txt', 60)
    assert requests.put(put_url, data=b'via url').status_code == 200
    assert bucket.get_object('uploaded.txt').read() == b'via url'
    tampered = url.replace('signed.txt', 'other.txt')
    r = requests.get(tampered)
    assert r.status_code == 403 and b'<Code>SignatureDoesNotMatch</Code>' in r.content


def test_wrong_signature_and_unknown_key(bucket, sig):
    bucket.put_object('doc', b'x')
    wrong = make_bucket(make_auth(sig, AK, 'not-the-secret'), bucket.bucket_name)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch) as e:
        wrong.get_object('doc')
    assert error_of(e) == (403, 'SignatureDoesNotMatch')
    with pytest.raises(oss2.exceptions.ServerError) as e:
        wrong.put_object('new', b'y')
    assert error_of(e) == (403, 'SignatureDoesNotMatch')
    with pytest.raises(oss2.exceptions.ServerError) as e:
        wrong.head_object('doc')
    assert e.value.status == 403
    unknown = make_bucket(make_auth(sig, 'LTAI-nobody', 'x'), bucket.bucket_name)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        unknown.get_object('doc')
    assert error_of(e) == (403, 'InvalidAccessKeyId')


def test_server_side_encryption(bucket):
    bucket.put_object('sse-kms', b'k', headers={'x-oss-server-side-encryption': 'KMS', 'x-oss-server-side-encryption-key-id': 'key-1',
                                                'x-oss-server-side-data-encryption': 'SM4'})
    head = bucket.head_object('sse-kms')
    assert head.headers['x-oss-server-side-encryption'] == 'KMS'
    assert head.headers['x-oss-server-side-encryption-key-id'] == 'key-1' and head.headers['x-oss-server-side-data-encryption'] == 'SM4'
    bucket.put_object('sse-aes', b'a', headers={'x-oss-server-side-encryption': 'AES256'})
    assert bucket.get_object('sse-aes').headers['x-oss-server-side-encryption'] == 'AES256'
    bucket.copy_object(bucket.bucket_name, 'sse-aes', 'sse-copy')
    assert 'x-oss-server-side-encryption' not in bucket.head_object('sse-copy').headers
