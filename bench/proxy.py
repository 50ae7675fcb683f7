"""nginx in front of one or more chat boxes, with the configuration the deploying docs ship.

``docs/examples/nginx.conf`` is used as written; only the lines it marks as a deploy's own
(the boxes' addresses, the listening ports, the name and the certificate) are replaced, each
of them found exactly once, so a change to the file that drops one fails loudly here. nginx
runs as a foreground master process with its files in a directory of ours, beside a
self-signed certificate for 127.0.0.1. The bench (``run.py --proxy``) and the tests
(``tests/serving/test_proxy.py``) both start it through :class:`Nginx`.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import shutil
import subprocess
import time
from pathlib import Path

from bench import procstat
from tests.support.net import free_port, listening

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "docs" / "examples" / "nginx.conf"
START_TIMEOUT = 10.0

_BOX_LINES = (
    "    server 127.0.0.1:8001 max_fails=1 fail_timeout=3s;\n"
    "    server 127.0.0.1:8002 max_fails=1 fail_timeout=3s;\n"
)


def nginx_binary() -> str | None:
    """Where nginx is installed (Debian puts it in /usr/sbin, often not on a user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def _replace_once(text: str, old: str, new: str) -> str:
    if text.count(old) != 1:
        raise ValueError(f"{SHIPPED.name} no longer holds {old.strip()!r} exactly once")
    return text.replace(old, new)


def site_config(
    boxes: list[int], https_port: int, http_port: int, certificate: Path, key: Path
) -> str:
    """The shipped site file with this machine's boxes (loopback ports), ports and certificate."""
    text = SHIPPED.read_text()
    box_lines = "".join(
        f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=3s;\n" for port in boxes
    )
    text = _replace_once(text, _BOX_LINES, box_lines)
    text = _replace_once(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = _replace_once(text, "listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;")
    text = _replace_once(
        text,
        "/etc/letsencrypt/live/chat.example.com/fullchain.pem",
        str(certificate),
    )
    text = _replace_once(text, "/etc/letsencrypt/live/chat.example.com/privkey.pem", str(key))
    return text.replace("server_name chat.example.com;", "server_name 127.0.0.1;")


def _main_config(directory: Path, site: Path) -> str:
    # What Debian's /etc/nginx/nginx.conf gives a site file, with every path in ``directory``
    # so that nothing of the machine's own nginx is touched and no root is needed.
    user = pwd.getpwuid(os.geteuid()).pw_name
    return f"""
user {user};
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log warn;
daemon off;
events {{ worker_connections 16384; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {site};
}}
"""


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost, and its key, in ``directory``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "chat.crt", directory / "chat.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class Nginx:
    """nginx on free loopback ports in front of ``boxes`` (the ports of running servers)."""

    def __init__(self, directory: Path, boxes: list[int]) -> None:
        self.directory = directory
        self.boxes = boxes
        self.https_port = free_port()
        self.http_port = free_port()
        #: The chat's address through the proxy.
        self.url = f"https://127.0.0.1:{self.https_port}"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Nginx:
        self.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        """Write the configuration, check it (``nginx -t``), start nginx, wait for its port."""
        binary = nginx_binary()
        if binary is None:
            raise RuntimeError("nginx is not installed (apt-get install nginx)")
        self.directory.mkdir(parents=True, exist_ok=True)
        certificate, key = make_certificate(self.directory)
        site = self.directory / "chat.conf"
        site.write_text(
            site_config(self.boxes, self.https_port, self.http_port, certificate, key)
        )
        main = self.directory / "nginx.conf"
        main.write_text(_main_config(self.directory, site))
        command = [binary, "-c", str(main), "-e", str(self.directory / "error.log")]
        subprocess.run([*command, "-t", "-q"], check=True, capture_output=True)
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while not listening(self.https_port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"nginx did not start:\n{self.error_log()}")
            time.sleep(0.05)  # polling a port that is not open yet; no event to await

    def stop(self) -> None:
        """Stop nginx at once (SIGTERM to the master, which stops its worker)."""
        procstat.stop(self.process, timeout=10)

    def pids(self) -> list[int]:
        """nginx's master and worker processes."""
        return procstat.process_tree(self.process.pid) if self.process else []

    def cpu_seconds(self) -> float:
        """CPU time nginx has used so far."""
        return procstat.cpu_seconds(self.pids())

    def error_log(self) -> str:
        """What nginx logged (warnings and errors)."""
        path = self.directory / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""
