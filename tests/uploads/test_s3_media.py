"""Media on S3 (``MEDIA_STORAGE=storages.backends.s3.S3Storage``, django-storages) against a local
S3: moto's server on 127.0.0.1. An upload through /api/media/ lands in the bucket cleaned, is
served back from it by /media/, and can be used as an avatar."""

import boto3
import pytest
from moto.server import ThreadedMotoServer

from accounts.models import Profile
from scripts.stack import free_port
from tests.uploads.test_media import fetch, jpeg_with_gps, upload
from uploads.services import storage_path

BUCKET = "wya-media-test"
CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@pytest.fixture(scope="module")
def s3_endpoint():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        yield endpoint
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_endpoint, settings):
    s3 = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **CREDENTIALS)
    s3.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": settings.S3_STORAGE,
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": CREDENTIALS["aws_access_key_id"],
                "secret_key": CREDENTIALS["aws_secret_access_key"],
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    yield s3
    for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        s3.delete_object(Bucket=BUCKET, Key=item["Key"])
    s3.delete_bucket(Bucket=BUCKET)


@pytest.fixture
def client(make_client, adult):
    return make_client(adult)


def test_an_upload_lands_in_the_bucket_cleaned_and_is_served_back_from_it(client, bucket):
    response = upload(client, jpeg_with_gps(), name="photo.jpg")
    assert response.status_code == 201, response.content
    media_url = response.json()["media_url"]
    key = storage_path(media_url.rsplit("/", 1)[1])
    stored = bucket.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert stored[:2] == b"\xff\xd8" and len(stored) == response.json()["size"]
    assert b"SnoopCam" not in stored and b"GPSLatitude" not in stored  # cleaned before storing
    served, body = fetch(client, media_url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert body == stored


def test_an_image_on_s3_can_be_my_avatar_until_it_is_gone_from_the_bucket(client, adult, bucket):
    avatar, gone = (upload(client, jpeg_with_gps()).json()["media_url"] for _ in range(2))
    bucket.delete_object(Bucket=BUCKET, Key=storage_path(gone.rsplit("/", 1)[1]))

    response = client.patch("/api/me/", {"avatar_url": avatar}, format="json")
    assert response.status_code == 200, response.content
    assert Profile.objects.get(user=adult).avatar_url == avatar
    refused = client.patch("/api/me/", {"avatar_url": gone}, format="json")
    assert refused.status_code == 400
    assert "avatar_url" in refused.json()
