"""TLS and mutual TLS, with throw-away self-signed certificates (openssl)."""

import subprocess

import pytest

import sketchd
from conftest import RunningServer


def _make_cert(directory, name):
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    directory = tmp_path_factory.mktemp("certs")
    return {name: _make_cert(directory, name) for name in ("server", "client", "stranger")}


@pytest.fixture(scope="module")
def mutual_tls_server(sketchd_bin, certificates, tmp_path_factory):
    cert, key = certificates["server"]
    running = RunningServer(sketchd_bin, tmp_path_factory.mktemp("tls-data"),
                            f"--tls_cert={cert}", f"--tls_key={key}",
                            f"--tls_client_ca={certificates['client'][0]}")
    yield running
    running.stop()


def test_mutual_tls(mutual_tls_server, certificates):
    server_ca = certificates["server"][0]
    client_cert, client_key = certificates["client"]
    with sketchd.Client(mutual_tls_server.address, tls_ca=server_ca, tls_cert=client_cert,
                        tls_key=client_key, max_attempts=1) as c:
        assert c.health() == "SERVING"
        c.list_datasets()
    # Without a client certificate, or with one the server does not trust, or
    # in plain text, the handshake fails: nothing reaches the service.
    stranger_cert, stranger_key = certificates["stranger"]
    for kwargs in ({"tls_ca": server_ca},
                   {"tls_ca": server_ca, "tls_cert": stranger_cert, "tls_key": stranger_key},
                   {}):
        with sketchd.Client(mutual_tls_server.address, max_attempts=1, timeout=10, **kwargs) as c:
            with pytest.raises(sketchd.Unavailable):
                c.list_datasets()


def test_tls_needs_both_certificate_and_key(certificates):
    with pytest.raises(ValueError, match="both tls_cert and tls_key"):
        sketchd.Client("127.0.0.1:1", tls_cert=certificates["client"][0])
