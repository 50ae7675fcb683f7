"""``manage.py make_sounds``: write the ``/play`` sounds (``static/chat/sounds/<name>.wav``).

Every sound is synthesised here from sine waves, sweeps and a little seeded noise, with the
standard library alone (``wave``, ``math``, ``random``): short mono 16-bit WAV at 16 kHz,
each under 30 KB. The same command writes the same bytes, so the committed files can be
made again and compared. The names come from ``chat.messages.sounds.SOUNDS``.
"""

from __future__ import annotations

import math
import random
import wave
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from chat.messages.sounds import SOUNDS

RATE = 16_000
PEAK = 0.8  # of full scale, to leave room

Wave = Callable[[float], float]  # seconds -> sample in -1..1


def note(frequency: float, seconds: float, *, decay: float = 4.0, harmonics=(1.0,)) -> list[float]:
    """A struck note: harmonics of ``frequency`` dying away (``decay`` per second)."""
    samples = []
    for i in range(int(seconds * RATE)):
        t = i / RATE
        tone = sum(
            a * math.sin(2 * math.pi * frequency * (n + 1) * t) for n, a in enumerate(harmonics)
        )
        attack = min(1.0, t / 0.005)
        samples.append(attack * math.exp(-decay * t) * tone / sum(harmonics))
    return samples


def sweep(
    start: float, end: float, seconds: float, *, shape: Wave = math.sin, fade: float = 0.05
) -> list[float]:
    """A tone gliding from ``start`` to ``end`` Hz, faded in and out."""
    samples, phase, count = [], 0.0, int(seconds * RATE)
    for i in range(count):
        t = i / RATE
        phase += 2 * math.pi * (start + (end - start) * i / count) / RATE
        edge = min(1.0, t / fade, (seconds - t) / fade)
        samples.append(edge * shape(phase))
    return samples


def saw(phase: float) -> float:
    return 2 * ((phase / (2 * math.pi)) % 1.0) - 1


def noise(seconds: float, *, decay: float, seed: int) -> list[float]:
    chance = random.Random(seed)
    return [chance.uniform(-1, 1) * math.exp(-decay * i / RATE) for i in range(int(seconds * RATE))]


def mix(*parts: list[float]) -> list[float]:
    longest = max(len(p) for p in parts)
    return [sum(p[i] for p in parts if i < len(p)) / len(parts) for i in range(longest)]


def then(*parts: list[float]) -> list[float]:
    return [sample for part in parts for sample in part]


def silence(seconds: float) -> list[float]:
    return [0.0] * int(seconds * RATE)


def sad() -> list[float]:
    wobble = []
    for start, seconds in ((392, 0.18), (370, 0.18), (349, 0.18), (330, 0.26)):
        tone = sweep(start, start, seconds, shape=saw)
        wobble += [
            s * (0.8 + 0.2 * math.sin(2 * math.pi * 6 * i / RATE)) for i, s in enumerate(tone)
        ]
    return wobble


RECIPES: dict[str, Callable[[], list[float]]] = {
    "bell": lambda: note(880, 0.8, decay=4, harmonics=(1.0, 0.5, 0.25, 0.12)),
    "chime": lambda: then(note(1319, 0.3, decay=6), note(1047, 0.45, decay=5)),
    "ding": lambda: note(1568, 0.5, decay=7, harmonics=(1.0, 0.3)),
    "drum": lambda: mix(
        [s * math.exp(-8 * i / RATE) for i, s in enumerate(sweep(140, 50, 0.4, fade=0.003))],
        noise(0.4, decay=25, seed=7),
    ),
    "horn": lambda: mix(sweep(220, 220, 0.6, shape=saw), sweep(330, 330, 0.6, shape=saw)),
    "levelup": lambda: then(
        *(note(f, 0.12, decay=3) for f in (523, 659, 784)), note(1047, 0.35, decay=4)
    ),
    "pop": lambda: sweep(900, 200, 0.08, fade=0.01),
    "sad": sad,
    "siren": lambda: then(sweep(600, 1200, 0.4), sweep(1200, 600, 0.4)),
    "tada": lambda: then(
        mix(note(523, 0.12, decay=2), note(659, 0.12, decay=2)),
        silence(0.04),
        mix(*(note(f, 0.6, decay=3, harmonics=(1.0, 0.4)) for f in (523, 659, 784, 1047))),
    ),
    "whistle": lambda: then(sweep(1800, 2400, 0.25), sweep(2400, 1900, 0.25)),
    "yay": lambda: then(
        sweep(400, 900, 0.2, shape=saw), mix(*(note(f, 0.45, decay=4) for f in (659, 831, 988)))
    ),
}


def written(samples: list[float], path: Path) -> int:
    """``samples`` as a 16-bit mono WAV at ``path``, normalised to ``PEAK``; its size."""
    loudest = max(abs(s) for s in samples) or 1.0
    frames = bytearray()
    for sample in samples:
        frames += int(sample / loudest * PEAK * 32767).to_bytes(2, "little", signed=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    return path.stat().st_size


class Command(BaseCommand):
    help = "Write the /play sounds into static/chat/sounds/ (standard library only)."

    def handle(self, *args, **options) -> None:
        folder = Path(settings.BASE_DIR) / "static" / "chat" / "sounds"
        folder.mkdir(parents=True, exist_ok=True)
        missing = set(SOUNDS) - set(RECIPES)
        if missing:
            raise SystemExit(f"no recipe for: {', '.join(sorted(missing))}")
        for name in SOUNDS:
            size = written(RECIPES[name](), folder / f"{name}.wav")
            self.stdout.write(f"{name}.wav {size:,} bytes")
