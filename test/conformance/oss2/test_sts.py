"""STS credentials through oss2's StsAuth (V1) and ProviderAuthV4 (V4): a valid token works for requests and
presigned URLs; an expired one is SecurityTokenExpired, a wrong one InvalidSecurityToken (403)."""
import oss2
import pytest
import requests

from conftest import env, error_of, make_auth, make_bucket


def sts_bucket(sig, bucket, prefix='OSS_TEST_STS', token=None):
    auth = make_auth(sig, env(prefix + '_AK'), env(prefix + '_SK'), token or env(prefix + '_TOKEN'))
    return make_bucket(auth, bucket.bucket_name)


def test_valid_sts_credentials(bucket, sig):
    b = sts_bucket(sig, bucket)
    b.put_object('sts.txt', b'by sts', headers={'x-oss-meta-by': 'sts'})
    assert b.get_object('sts.txt').read() == b'by sts'
    assert [o.key for o in b.list_objects().object_list] == ['sts.txt']
    url = b.sign_url('GET', 'sts.txt', 60)
    assert ('security-token=' in url) and requests.get(url).content == b'by sts'


def test_expired_and_wrong_tokens(bucket, sig):
    bucket.put_object('doc', b'x')
    with pytest.raises(oss2.exceptions.ServerError) as e:
        sts_bucket(sig, bucket, 'OSS_TEST_EXPIRED_STS').get_object('doc')
    assert error_of(e) == (403, 'SecurityTokenExpired')
    assert e.value.message == 'The security token you provided has expired.'
    r = requests.get(sts_bucket(sig, bucket, 'OSS_TEST_EXPIRED_STS').sign_url('GET', 'doc', 60))
    assert r.status_code == 403 and b'<Code>SecurityTokenExpired</Code>' in r.content
    with pytest.raises(oss2.exceptions.ServerError) as e:
        sts_bucket(sig, bucket, token='CAISwrong-token').get_object('doc')
    assert error_of(e) == (403, 'InvalidSecurityToken')
