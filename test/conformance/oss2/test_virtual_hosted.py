"""Virtual-hosted addressing, as oss2 speaks to real OSS: the endpoint is the region's OSS name, so oss2
puts the bucket in the Host (<bucket>.oss-cn-hangzhou.aliyuncs.com); a proxy setting carries the requests
to the local server that refuses path style (forbidPathStyle). Path style to it is SecondLevelDomainForbidden."""
import os

import oss2
import pytest

from conftest import REGION, error_of, make_auth, make_bucket, unique

STRICT = os.environ.get('OSS_TEST_STRICT_ENDPOINT', '')
REAL_NAME = 'http://%s.aliyuncs.com' % REGION


def virtual_bucket(sig, name):
    return make_bucket(make_auth(sig), name, endpoint=REAL_NAME, proxies={'http': STRICT})


def test_virtual_hosted_requests_pass_and_path_style_is_refused(sig):
    b = virtual_bucket(sig, unique('vh-' + sig))
    b.create_bucket()
    b.put_object('dir/ü k.txt', b'virtual', headers={'x-oss-meta-style': 'vh'})
    assert b.get_object('dir/ü k.txt').read() == b'virtual'
    assert [o.key for o in b.list_objects_v2(prefix='dir/').object_list] == ['dir/ü k.txt']
    up = b.init_multipart_upload('mp')
    part = b.upload_part('mp', up.upload_id, 1, b'only part')
    b.complete_multipart_upload('mp', up.upload_id, [oss2.models.PartInfo(1, part.etag)])
    assert b.get_object('mp').read() == b'only part'

    path_style = make_bucket(make_auth(sig), b.bucket_name, endpoint=STRICT)
    with pytest.raises(oss2.exceptions.ServerError) as e:
        path_style.get_object('dir/ü k.txt')
    assert error_of(e) == (403, 'SecondLevelDomainForbidden')
    assert e.value.message == 'Please use virtual hosted style to access.'
