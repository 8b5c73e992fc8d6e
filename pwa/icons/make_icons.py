"""Draw Waypoint's app icons as PNG files using only the standard library.

Run from anywhere: ``python pwa/icons/make_icons.py``. It writes icon-192.png,
icon-512.png and maskable-512.png next to this script. The drawing is a
waypoint marker (a pin with a hole) over a gently rising path, on the app's
theme colour. The maskable icon keeps everything inside the central 80 %
"safe zone" and fills the whole square with the background colour.
"""

from __future__ import annotations

import math
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
THEME = (23, 84, 96)  # #175460, also theme_color in the manifest
LIGHT = (247, 244, 236)  # marker and path
ACCENT = (242, 176, 94)  # the hole in the marker
SUPERSAMPLE = 4


def _png(width: int, height: int, rows: list[bytes]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 per row
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _shape(x: float, y: float, rounded: bool) -> tuple[int, int, int, int]:
    """Colour at a point of the unit square (0..1), before anti-aliasing."""
    if rounded:
        # A rounded square with transparent corners for the "any" icon.
        r = 0.22
        cx = min(max(x, r), 1 - r)
        cy = min(max(y, r), 1 - r)
        if (x - cx) ** 2 + (y - cy) ** 2 > r * r:
            return (0, 0, 0, 0)
    # Pin: a circle at (0.5, 0.40) r 0.20 with a point down to (0.5, 0.74).
    px, py, pr = 0.5, 0.40, 0.20
    dist = math.hypot(x - px, y - py)
    tip_y = 0.74
    in_pin = dist <= pr
    d = tip_y - py
    if not in_pin and py + pr * pr / d <= y <= tip_y:
        # The tangent lines from the tip to the circle bound the point.
        half = (tip_y - y) * pr / math.sqrt(d * d - pr * pr)
        in_pin = abs(x - px) <= half
    if in_pin:
        if dist <= pr * 0.45:
            return (*ACCENT, 255)
        return (*LIGHT, 255)
    # A path rising from bottom left to the tip: a thick line.
    ax, ay, bx, by = 0.18, 0.84, 0.5, 0.76
    t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    if math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= 0.028:
        return (*LIGHT, 255)
    ax, ay, bx, by = 0.5, 0.76, 0.82, 0.80
    t = max(0.0, min(1.0, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)))
    if math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay))) <= 0.028:
        return (*LIGHT, 255)
    return (*THEME, 255)


def draw(size: int, *, maskable: bool) -> bytes:
    """Render one icon. Maskable icons shrink the artwork into the safe zone."""
    scale = 0.72 if maskable else 1.0
    offset = (1 - scale) / 2
    rows = []
    n = SUPERSAMPLE
    for j in range(size):
        row = bytearray()
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(n):
                for si in range(n):
                    ux = (i + (si + 0.5) / n) / size
                    uy = (j + (sj + 0.5) / n) / size
                    if maskable:
                        inner = ((ux - offset) / scale, (uy - offset) / scale)
                        if 0 <= inner[0] <= 1 and 0 <= inner[1] <= 1:
                            c = _shape(inner[0], inner[1], rounded=False)
                        else:
                            c = (*THEME, 255)
                    else:
                        c = _shape(ux, uy, rounded=True)
                    # Premultiply so transparent edges blend cleanly.
                    acc[0] += c[0] * c[3]
                    acc[1] += c[1] * c[3]
                    acc[2] += c[2] * c[3]
                    acc[3] += c[3]
            alpha = acc[3]
            if alpha:
                row += bytes((acc[0] // alpha, acc[1] // alpha, acc[2] // alpha, alpha // (n * n)))
            else:
                row += b"\x00\x00\x00\x00"
        rows.append(bytes(row))
    return _png(size, size, rows)


def main() -> None:
    targets = {
        "icon-192.png": (192, False),
        "icon-512.png": (512, False),
        "maskable-192.png": (192, True),
        "maskable-512.png": (512, True),
    }
    for name, (size, maskable) in targets.items():
        (HERE / name).write_bytes(draw(size, maskable=maskable))
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
