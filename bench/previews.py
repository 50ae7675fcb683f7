"""Link preview bench: what one preview costs the server, against a local web server.

    python bench/previews.py                      # 200 previews of a typical page and picture
    python bench/previews.py --previews 1000 --image-size 1920x1080

A local HTTP server (a thread of this process, on loopback) serves a typical article page
(``--page-kib`` of HTML, its OpenGraph tags in the head, the body after) and a typical
picture (a JPEG photo of ``--image-size``, with EXIF). Each preview is made as the pool makes
it, through ``chat.messages.previews.fetch``: the page fetched through the vetted GET, its
head read, its picture fetched, decoded and re-encoded. Per preview: the wall time and the
CPU time of the thread making it (the server's own work is on other threads, not counted),
p50/p90/p99/max in ms; then the two CPU parts alone, reading the head and re-encoding the
picture; and what every message now pays on the posting path, finding its first link, in µs.
Nothing touches a database: storing a preview is one small transaction, like an edit.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":
    import in_venv  # noqa: F401 - runs in .venv, the repository first on sys.path

import argparse
import io
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.stats import percentile

MESSAGE = (
    "Lunch at the harbour today? They have soup and fresh bread, and the terrace is open "
    "if the sun stays out. Tell me by eleven so I can book a table for all of us, @bob."
)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--previews", type=int, default=200, help="previews to make")
    parser.add_argument("--page-kib", type=int, default=80, help="size of the page's HTML")
    parser.add_argument("--image-size", default="1200x630", help="the picture, WxH pixels")
    return parser.parse_args(argv)


def _set_up_django() -> None:
    """Django as production runs it, allowed to fetch from loopback (the bench's server)."""
    os.environ.pop("REDIS_URL", None)
    os.environ.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="chat.example",
        CHAT_FETCH_ALLOW_PRIVATE_URLS="1",
    )
    import django

    import manage  # noqa: F401 - attaches the site/ package before settings are read

    django.setup()


def page(size: int) -> bytes:
    """An article page of about ``size`` bytes: a head like a news site's, then the text."""
    head = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<title>Harbour Café: our lunch menu</title>"
        + "".join(f'<link rel="preload" href="/assets/{n}.js" as="script">' for n in range(30))
        + '<meta property="og:title" content="Our lunch menu: soups, bread and the catch">'
        '<meta property="og:description" content="Served from noon to three, on the terrace.">'
        '<meta property="og:site_name" content="The Harbour Café">'
        '<meta property="og:image" content="/photo.jpg">'
        '<meta name="twitter:card" content="summary_large_image">'
        + "<style>"
        + "body{margin:0}" * 300
        + "</style></head><body>"
    )
    paragraph = "<p>" + "The soup of the day is made with what the boats bring in. " * 8 + "</p>"
    body = paragraph * max(1, (size - len(head)) // len(paragraph))
    return (head + body + "</body></html>").encode()


def photo(width: int, height: int) -> bytes:
    """A JPEG like a camera's: noise over a gradient (so it does not compress to nothing),
    with EXIF."""
    from PIL import Image

    picture = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(picture, noise, 0.3)
    exif = Image.Exif()
    exif[0x010F] = "Camera"
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def serve(routes: dict[str, tuple[str, bytes]]) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            content_type, data = routes[self.path]
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def timed(work, runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each of ``runs`` calls of ``work``."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.thread_time()
        work()
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def line(name: str, seconds: list[float], unit: float = 1e3, label: str = "ms") -> str:
    values = sorted(seconds)
    points = [percentile(values, f) * unit for f in (0.5, 0.9, 0.99, 1.0)]
    return f"{name:<44} " + " ".join(f"{p:>9.2f}" for p in points) + f"  {label}"


def main(argv: list[str] | None = None) -> int:
    options = _arguments(argv)
    _set_up_django()
    from chat import images
    from chat.messages import previews
    from chat.messages.preview_pages import read_head

    width, height = (int(n) for n in options.image_size.split("x"))
    html, jpeg = page(options.page_kib * 1024), photo(width, height)
    server = serve(
        {"/page": ("text/html; charset=utf-8", html), "/photo.jpg": ("image/jpeg", jpeg)}
    )
    url = f"http://127.0.0.1:{server.server_address[1]}/page"
    found = previews.fetch(url)  # warm up, and check it works
    if found is None or found.image is None:
        print("the bench's page gave no preview", file=sys.stderr)
        return 1

    def reencode() -> None:
        with images.decoding():
            decoded = images.decode(io.BytesIO(jpeg))
            images.encode(images.Decoded(decoded.format, decoded.images[:1], [0], None),
                          images.fitted(previews.IMAGE_BOX))  # fmt: skip

    walls, cpus = timed(lambda: previews.fetch(url), options.previews)
    _, head_cpu = timed(lambda: read_head(html[: previews.PAGE_BYTES]), options.previews)
    _, image_cpu = timed(reencode, options.previews)
    _, link_cpu = timed(lambda: previews.first_link(MESSAGE), 20_000)
    _, linked_cpu = timed(lambda: previews.first_link(f"{MESSAGE} {url}"), 2_000)
    server.shutdown()

    print(
        f"link preview bench: {options.previews} previews of a {len(html) // 1024} KiB page"
        f" and a {width}x{height} JPEG of {len(jpeg) // 1024} KiB, from a loopback server"
    )
    print(f"{'':<44} {'p50':>9} {'p90':>9} {'p99':>9} {'max':>9}")
    print(line("a whole preview, wall time", walls))
    print(line("a whole preview, CPU of its thread", cpus))
    print(line("  reading the page's head (CPU)", head_cpu))
    print(line("  decoding and re-encoding the picture (CPU)", image_cpu))
    print(line("first link of a message without one (CPU)", link_cpu, 1e6, "µs"))
    print(line("first link of a message with one (CPU)", linked_cpu, 1e6, "µs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
