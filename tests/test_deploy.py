"""deploy/nginx.conf in front of gunicorn, as docs/deploy.md sets them up, on 127.0.0.1 only.

The shipped file is the tested one: the test replaces its addresses, ports, certificate and
folders (each found exactly once) and nothing else, wraps it in a minimal main config of its own
(prefix, pid, logs and temp folders in a temporary folder) and runs Debian's nginx as a child
process in the foreground. gunicorn runs with the project's config file and production settings
(DEBUG off, ARCHIVE_HTTPS=1, ARCHIVE_BEHIND_PROXY=1, the manifest storage) against a copy of
the test database with the real fixtures ingested (tests/committed.py).
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import os
import re
import runpy
import secrets
import shutil
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.committed import committed_fixtures, database_url

ROOT = Path(__file__).resolve().parent.parent
SITE_CONF = ROOT / "deploy" / "nginx.conf"
# Debian puts it in /usr/sbin, which is not on every user's PATH.
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
MIME_TYPES = Path("/etc/nginx/mime.types")
IMMUTABLE = "public, max-age=31536000, immutable"

# The fixtures are committed to a copy of the test database (tests/committed.py).
pytestmark = pytest.mark.django_db

needs_nginx = pytest.mark.skipif(
    NGINX is None or not MIME_TYPES.exists(),
    reason="nginx not found: install Debian's nginx package (.ci/run does) to test deploy/nginx.conf",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, what: str, log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout} s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (cryptography comes with pdfminer.six)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    cert, private = folder / "cert.pem", folder / "key.pem"
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    private.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert, private


def site_config(replacements: dict[str, str]) -> str:
    """deploy/nginx.conf with each placeholder replaced; each must occur exactly once, so that
    a change to the file that the test would no longer see fails here instead."""
    text = SITE_CONF.read_text()
    for placeholder, value in replacements.items():
        assert text.count(placeholder) == 1, f"{placeholder!r} must occur once in {SITE_CONF}"
        text = text.replace(placeholder, value)
    return text


def _main_config(prefix: Path, site: Path) -> str:
    """What /etc/nginx/nginx.conf gives a site on Debian, reduced to what the site needs, with
    everything nginx writes kept in `prefix`."""
    # As root, nginx's workers would run as nobody, who cannot read pytest's private temp folders.
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "".join(
        f"    {kind}_temp_path {prefix / kind};\n" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {prefix / 'nginx.pid'};\nerror_log {prefix / 'error.log'} info;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        f"    include {MIME_TYPES};\n    default_type application/octet-stream;\n    sendfile on;\n"
        f"    access_log {prefix / 'access.log'};\n{temp}"
        f"    include {site};\n"
        "}\n"
    )


@pytest.fixture(scope="module")
def site(django_db_setup, tmp_path_factory):
    """nginx (plain http and https ports) in front of gunicorn; yields the ports and folders."""
    tmp = tmp_path_factory.mktemp("deploy")
    www, acme, media, prefix = tmp / "www", tmp / "acme", tmp / "media", tmp / "nginx"
    for folder in (www, acme, media, prefix):
        folder.mkdir()
    with committed_fixtures(media, "deploy") as database:
        env = {
            **os.environ,
            "DATABASE_URL": database_url(database),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ARCHIVE_DEBUG": "0",
            "ARCHIVE_HTTPS": "1",
            "ARCHIVE_BEHIND_PROXY": "1",
            "ALLOWED_HOSTS": "127.0.0.1",
            "ARCHIVE_STATIC_ROOT": str(www / "static"),
            "ARCHIVE_MEDIA_ROOT": str(media),
        }
        for name in ("ARCHIVE_ALLOW_EPHEMERAL_KEY", "ARCHIVE_PLAIN_STATIC", "DATABASE_REPLICA_URLS"):
            env.pop(name, None)
        collected = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collected.returncode == 0, collected.stderr[-3000:]

        app_port, http_port, https_port = _free_port(), _free_port(), _free_port()
        app_log = tmp / "gunicorn.log"
        command = [sys.executable, "-m", "gunicorn", "archive.wsgi", "-c", "archive/gunicorn.conf.py"]
        command += ["--bind", f"127.0.0.1:{app_port}", "--workers", "2"]
        with app_log.open("w") as log:
            app = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            _wait_for_port(app_port, app, "gunicorn", app_log)
            cert, key = _self_signed_certificate(tmp)
            site_file = prefix / "site.conf"
            site_file.write_text(
                site_config(
                    {
                        "server 127.0.0.1:8000;": f"server 127.0.0.1:{app_port};",
                        "listen 80;": f"listen 127.0.0.1:{http_port};",
                        "listen [::]:80;": "",
                        "listen 443 ssl;": f"listen 127.0.0.1:{https_port} ssl;",
                        "listen [::]:443 ssl;": "",
                        "/etc/letsencrypt/live/arkiv.example.dk/fullchain.pem": str(cert),
                        "/etc/letsencrypt/live/arkiv.example.dk/privkey.pem": str(key),
                        "root /var/www/letsencrypt;": f"root {acme};",
                        "root /var/www/beslutningsarkivet;": f"root {www};",
                    }
                )
            )
            main = prefix / "nginx.conf"
            main.write_text(_main_config(prefix, site_file))
            nginx_command = [NGINX, "-p", str(prefix), "-c", str(main), "-e", str(prefix / "error.log")]
            checked = subprocess.run([*nginx_command, "-t"], capture_output=True, text=True, timeout=30)
            assert checked.returncode == 0, checked.stderr
            nginx_log = prefix / "error.log"
            proxy = subprocess.Popen(nginx_command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
            try:
                _wait_for_port(http_port, proxy, "nginx", nginx_log)
                _wait_for_port(https_port, proxy, "nginx", nginx_log)
                yield {"http": http_port, "https": https_port, "www": www, "acme": acme, "media": media}
            finally:
                _stop(proxy)
        finally:
            _stop(app)  # its connections go with it, before the database is dropped


def fetch(site, path, *, tls=True, method="GET", headers=None, body=None):
    """One request through nginx (https unless tls=False); (status, headers, body)."""
    if tls:
        context = ssl.create_default_context()
        # A throwaway self-signed certificate: what is tested is the proxy, not the PKI.
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", site["https"], timeout=60, context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", site["http"], timeout=60)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@needs_nginx
def test_a_public_page_answers_through_nginx(site):
    status, headers, body = fetch(site, "/odense-kommune/")
    assert status == 200, body[:500]
    assert "Beskæftigelses- og Socialudvalget" in body.decode()
    # Django saw https (from X-Forwarded-Proto): its HSTS header is only sent on secure requests.
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert headers["Content-Security-Policy"].startswith("default-src 'self'")


def _stylesheet(site) -> str:
    _status, _headers, body = fetch(site, "/")
    match = re.search(r'href="(/static/css/archive\.[0-9a-f]{12}\.css)"', body.decode())
    assert match, "the page links the manifest's hashed stylesheet"
    return match.group(1)


@needs_nginx
def test_a_hashed_static_file_is_cached_for_a_year(site):
    url = _stylesheet(site)
    status, headers, body = fetch(site, url)
    assert status == 200
    assert headers["Cache-Control"] == IMMUTABLE
    assert headers["Content-Type"].startswith("text/css")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert body == (site["www"] / url.lstrip("/")).read_bytes()  # nginx's file, not Django's
    # whitenoise's compressed copy, when the client takes gzip.
    assert (site["www"] / (url.lstrip("/") + ".gz")).exists()
    _status, zipped, _body = fetch(site, url, headers={"Accept-Encoding": "gzip"})
    assert zipped["Content-Encoding"] == "gzip" and zipped["Cache-Control"] == IMMUTABLE
    assert zipped["Vary"] == "Accept-Encoding"
    # The same file by its unhashed name may change with the next deploy: a minute only.
    status, headers, _body = fetch(site, "/static/css/archive.css")
    assert status == 200 and headers["Cache-Control"] == "public, max-age=60"


@needs_nginx
def test_a_conditional_get_of_a_static_file_answers_304(site):
    url = _stylesheet(site)
    _status, headers, _body = fetch(site, url)
    for condition in ({"If-None-Match": headers["ETag"]}, {"If-Modified-Since": headers["Last-Modified"]}):
        status, again, body = fetch(site, url, headers=condition)
        assert (status, body) == (304, b""), condition
        assert again["Cache-Control"] == IMMUTABLE


@needs_nginx
def test_plain_http_is_redirected_and_cannot_claim_https(site):
    # nginx sees plain http and says so: Django (ARCHIVE_HTTPS=1) redirects to https.
    status, headers, _body = fetch(site, "/search/?q=udvalg", tls=False)
    assert (status, headers["Location"]) == (301, "https://127.0.0.1/search/?q=udvalg")
    # A client's own X-Forwarded-Proto is replaced by nginx's: it cannot make http pass for https.
    status, headers, _body = fetch(site, "/search/?q=udvalg", tls=False, headers={"X-Forwarded-Proto": "https"})
    assert (status, headers["Location"]) == (301, "https://127.0.0.1/search/?q=udvalg")
    assert "Strict-Transport-Security" not in headers
    # Nor make https look like http (which would redirect in a loop).
    status, headers, _body = fetch(site, "/search/?q=udvalg", headers={"X-Forwarded-Proto": "http"})
    assert status == 200 and "Strict-Transport-Security" in headers


@needs_nginx
def test_media_go_through_django_with_its_headers(site):
    originals = sorted(p for p in site["media"].rglob("*") if p.is_file())
    assert originals, "ingest stored the original minutes"
    name = originals[0].relative_to(site["media"]).as_posix()
    status, headers, body = fetch(site, f"/media/{name}")
    assert status == 200 and body == originals[0].read_bytes()
    assert headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert headers["Content-Disposition"].startswith("attachment")
    # Uploads awaiting confirmation stay private, as Django decides.
    pending = site["media"] / "pending" / "token" / "minutes.txt"
    pending.parent.mkdir(parents=True)
    pending.write_text("not yet public")
    assert fetch(site, "/media/pending/token/minutes.txt")[0] == 404


@needs_nginx
def test_request_bodies_are_limited_where_nothing_is_uploaded(site):
    def declared(path: str, size: int) -> int:
        # The size is declared and no body sent: nginx judges by Content-Length alone.
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", site["https"], timeout=30, context=context)
        try:
            conn.putrequest("POST", path, skip_host=True)
            conn.putheader("Host", "127.0.0.1")
            conn.putheader("Content-Length", str(size))
            conn.endheaders()
            return conn.getresponse().status
        finally:
            conn.close()

    assert declared("/search/", 2 * 1024 * 1024) == 413
    assert declared("/admin/login/", 65 * 1024 * 1024) == 413
    # A file over the minutes' 20 MB limit still reaches Django, which would say in Danish why
    # it is refused. Here the login form reads it (it has to pass the CSRF check first, or
    # Django answers without reading the body) and shows itself again, as for any empty login.
    _status, headers, body = fetch(site, "/admin/login/")
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    boundary = "deploytestboundary"
    form = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    form += b"x" * (21 * 1024 * 1024) + f"\r\n--{boundary}--\r\n".encode()
    headers = {"Cookie": cookie, "Origin": "https://127.0.0.1"}
    headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
    status, _headers, body = fetch(site, "/admin/login/", method="POST", headers=headers, body=form)
    assert status == 200 and b'name="csrfmiddlewaretoken"' in body


@needs_nginx
def test_certificate_challenges_are_served_over_plain_http(site):
    challenge = site["acme"] / ".well-known" / "acme-challenge" / "token123"
    challenge.parent.mkdir(parents=True)
    challenge.write_text("token123.key")
    assert fetch(site, "/.well-known/acme-challenge/token123", tls=False)[::2] == (200, b"token123.key")


def test_nginx_waits_longer_than_gunicorn():
    """gunicorn kills a silent worker first and logs it; nginx's own timeout must not come first."""
    timeout = runpy.run_path(str(ROOT / "archive" / "gunicorn.conf.py"))["timeout"]
    text = SITE_CONF.read_text()
    for directive in ("proxy_read_timeout", "proxy_send_timeout"):
        seconds = int(re.search(rf"^\s*{directive} (\d+)s;", text, re.MULTILINE).group(1))
        assert seconds > timeout, directive


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not found (Debian's systemd package)")
def test_systemd_units_verify(tmp_path):
    """`systemd-analyze verify` finds nothing to say about deploy/*.service and *.timer, run with
    this checkout's interpreter in place of /srv/beslutningsarkivet/.venv (it checks that the
    programs exist)."""
    units = sorted((ROOT / "deploy").glob("beslutningsarkivet*.*"))
    assert {unit.suffix for unit in units} == {".service", ".timer"}
    for unit in units:
        text = unit.read_text().replace("/srv/beslutningsarkivet/.venv/bin/", f"{Path(sys.executable).parent}/")
        (tmp_path / unit.name).write_text(text)
    proc = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *(f"./{unit.name}" for unit in units)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout + proc.stderr) == (0, "")
