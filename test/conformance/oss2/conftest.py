"""Fixtures for the oss2 conformance suite: the local OSS server that test/conformance/oss2.test.ts starts,
described by OSS_TEST_* environment variables, driven by Alibaba's own Python SDK (oss2)."""
import os
import uuid

import oss2
import pytest

ENDPOINT = os.environ.get('OSS_TEST_ENDPOINT', '')
REGION = os.environ.get('OSS_TEST_REGION', 'oss-cn-hangzhou')
SHORT_REGION = REGION[len('oss-'):] if REGION.startswith('oss-') else REGION
AK = os.environ.get('OSS_TEST_AK', '')
SK = os.environ.get('OSS_TEST_SK', '')

if not ENDPOINT:
    raise pytest.UsageError('run through test/conformance/oss2.test.ts, which starts the server and sets OSS_TEST_*')


def env(name):
    return os.environ[name]


def make_auth(version, ak=AK, sk=SK, token=None):
    """V1 (Auth / StsAuth) or V4 (AuthV4 / ProviderAuthV4 over static STS credentials)."""
    if version == 'v1':
        return oss2.StsAuth(ak, sk, token) if token else oss2.Auth(ak, sk)
    if token:
        return oss2.ProviderAuthV4(oss2.credentials.StaticCredentialsProvider(ak, sk, token))
    return oss2.AuthV4(ak, sk)


def make_bucket(auth, name, endpoint=ENDPOINT, **kw):
    return oss2.Bucket(auth, endpoint, name, region=SHORT_REGION, **kw)


def unique(prefix):
    return '%s-%s' % (prefix, uuid.uuid4().hex[:10])


@pytest.fixture(params=['v1', 'v4'])
def sig(request):
    return request.param


@pytest.fixture
def bucket(sig):
    """A fresh bucket, signed with V1 or V4 (each test using it runs once per signature version)."""
    b = make_bucket(make_auth(sig), unique('c-' + sig))
    b.create_bucket(oss2.BUCKET_ACL_PRIVATE)
    return b


def error_of(excinfo):
    e = excinfo.value
    return e.status, e.code
