"""Draw the app icons as small indexed PNGs (run once; the PNGs are committed).

    python static/icons/make_icons.py

Two figures side by side on a teal tile: the same picture as icon.svg.
"""
import struct
import zlib
from pathlib import Path

TEAL, WHITE = (0x1D, 0x5C, 0x63), (0xFB, 0xFA, 0xF7)
LEVELS = 8  # shades between teal and white, for smooth edges
SAMPLES = 4  # sub-samples per pixel side


def inside_figures(x, y):
    """Is (x, y), in a 0..1 square, inside one of the two figures?"""
    for cx in (0.38, 0.62):
        if (x - cx) ** 2 + (y - 0.36) ** 2 <= 0.085 ** 2:
            return True
        dx, dy = (x - cx) / 0.15, (y - 0.72) / 0.2
        if dx * dx + dy * dy <= 1 and y <= 0.72:
            return True
    return False


def inside_tile(x, y, radius):
    cx = min(max(x, radius), 1 - radius)
    cy = min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def draw(size, radius, scale):
    rows = []
    for py in range(size):
        row = bytearray([0])
        for px in range(size):
            hits = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    x = ((px + (sx + 0.5) / SAMPLES) / size - 0.5) / scale + 0.5
                    y = ((py + (sy + 0.5) / SAMPLES) / size - 0.5) / scale + 0.5
                    hits += inside_figures(x, y)
            cx, cy = (px + 0.5) / size, (py + 0.5) / size
            if radius and not inside_tile(cx, cy, radius):
                row.append(LEVELS)  # transparent
            else:
                row.append(round(hits / SAMPLES ** 2 * (LEVELS - 1)))
        rows.append(bytes(row))
    return b"".join(rows)


def png(size, pixels):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    palette = b"".join(bytes(round(t + (w - t) * k / (LEVELS - 1)) for t, w in zip(TEAL, WHITE))
                       for k in range(LEVELS)) + bytes(3)
    alpha = bytes([255] * LEVELS + [0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", palette) + chunk(b"tRNS", alpha)
            + chunk(b"IDAT", zlib.compress(pixels, 9)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    here = Path(__file__).parent
    (here / "icon-192.png").write_bytes(png(192, draw(192, 0.2, 1.0)))
    (here / "icon-512.png").write_bytes(png(512, draw(512, 0.2, 1.0)))
    (here / "maskable-512.png").write_bytes(png(512, draw(512, 0, 0.75)))  # safe zone: inner 80 %
