"""Frames as yuv420p planes, drawn with the standard library: gradients, a box, bitmap text.

Everything is flat colour and whole rows, which x264 predicts almost for free, and every
coordinate is even so the half-size chroma planes stay aligned with the luma.
"""

from __future__ import annotations

import colorsys
import math
from typing import NamedTuple

from mockserver.media._font import GLYPH_H, GLYPH_W, glyph_rows, text_width

__all__ = ["NEUTRAL_LOOK", "Canvas", "Look", "Painter", "look_for"]

YUV = tuple[int, int, int]
RGB = tuple[float, float, float]

WHITE: YUV = (235, 128, 128)
PLATE: YUV = (24, 128, 128)


def rgb_to_yuv(rgb: RGB) -> YUV:
    """BT.601 limited range, from components in [0, 1]."""
    r, g, b = rgb
    return (
        round(16 + 65.481 * r + 128.553 * g + 24.966 * b),
        round(128 - 37.797 * r - 74.203 * g + 112.0 * b),
        round(128 + 112.0 * r - 93.786 * g - 18.214 * b),
    )


class Look(NamedTuple):
    """A video's colours: gradient top and bottom, and the moving box."""

    top: YUV
    bottom: YUV
    accent: YUV


NEUTRAL_LOOK = Look(rgb_to_yuv((0.16, 0.18, 0.24)), rgb_to_yuv((0.36, 0.40, 0.50)), rgb_to_yuv((0.95, 0.75, 0.2)))


def look_for(seed: bytes) -> Look:
    """Colours that follow from `seed`: a dark-to-light gradient of one hue, a box of the opposite hue."""
    hue = seed[0] / 256
    top = colorsys.hsv_to_rgb(hue, 0.55 + seed[1] / 1024, 0.25 + seed[2] / 2048)
    bottom = colorsys.hsv_to_rgb((hue + 0.08) % 1, 0.45, 0.75 + seed[3] / 2048)
    accent = colorsys.hsv_to_rgb((hue + 0.5) % 1, 0.8, 0.95)
    return Look(rgb_to_yuv(top), rgb_to_yuv(bottom), rgb_to_yuv(accent))


def _even(n: int) -> int:
    return n - n % 2


class Canvas:
    """The three planes of one yuv420p frame, `strides` bytes per row (PyAV's line sizes)."""

    def __init__(self, width: int, height: int, strides: tuple[int, int, int], planes: list[bytearray]) -> None:
        self.width = width
        self.height = height
        self.strides = strides
        self.planes = planes

    def fill(self, x0: int, y0: int, x1: int, y1: int, colour: YUV) -> None:
        """Fill a rectangle given in luma pixels; its corners are rounded to even."""
        x0, y0 = max(0, _even(x0)), max(0, _even(y0))
        x1, y1 = min(self.width, _even(x1)), min(self.height, _even(y1))
        if x0 >= x1 or y0 >= y1:
            return
        self._rows(0, x0, y0, x1, y1, colour[0])
        self._rows(1, x0 // 2, y0 // 2, x1 // 2, y1 // 2, colour[1])
        self._rows(2, x0 // 2, y0 // 2, x1 // 2, y1 // 2, colour[2])

    def _rows(self, index: int, x0: int, y0: int, x1: int, y1: int, value: int) -> None:
        run = bytes((value,)) * (x1 - x0)
        stride, plane = self.strides[index], self.planes[index]
        for y in range(y0, y1):
            plane[y * stride + x0 : y * stride + x1] = run

    def text(self, text: str, x: int, y: int, scale: int, luma: int = WHITE[0]) -> None:
        """Bitmap text, luma only: draw it on a plate of neutral chroma."""
        stride, plane = self.strides[0], self.planes[0]
        for i, char in enumerate(text):
            gx = x + i * (GLYPH_W + 1) * scale
            for row, runs in enumerate(glyph_rows(char)):
                for start, end in runs:
                    x0, x1 = max(0, gx + start * scale), min(self.width, gx + end * scale)
                    if x0 >= x1:
                        continue
                    run = bytes((luma,)) * (x1 - x0)
                    for py in range(max(0, y + row * scale), min(self.height, y + (row + 1) * scale)):
                        plane[py * stride + x0 : py * stride + x1] = run

    def label(self, lines: list[str], centre_y: int, max_scale: int) -> None:
        """Centred lines of text on one dark plate, as large as fits 80% of the width."""
        lines = [line for line in lines if line]
        if not lines:
            return
        widest = max(len(line) for line in lines)
        scale = max(1, min(max_scale, int(self.width * 0.8) // max(1, text_width("M" * widest, 1))))
        line_h = (GLYPH_H + 3) * scale
        top = _even(centre_y - line_h * len(lines) // 2)
        pad = 2 * scale
        plate_w = text_width("M" * widest, scale)
        left = _even((self.width - plate_w) // 2)
        self.fill(left - pad, top - pad, left + plate_w + pad + 1, top + line_h * len(lines) + pad, PLATE)
        for n, line in enumerate(lines):
            x = _even((self.width - text_width(line, scale)) // 2)
            self.text(line, x, top + n * line_h + scale, scale)


class Painter:
    """Draws frames of one size in one look; the background is built once and copied per frame."""

    def __init__(self, width: int, height: int, strides: tuple[int, int, int], look: Look) -> None:
        self.width, self.height, self.strides, self.look = width, height, strides, look
        self._background = [self._gradient(i) for i in range(3)]
        self.box = _even(max(8, min(width, height) // 5))

    def _gradient(self, index: int) -> bytes:
        rows = self.height if index == 0 else self.height // 2
        stride = self.strides[index]
        top, bottom = self.look.top[index], self.look.bottom[index]
        return b"".join(bytes((round(top + (bottom - top) * y / max(1, rows - 1)),)) * stride for y in range(rows))

    def canvas(self) -> Canvas:
        return Canvas(self.width, self.height, self.strides, [bytearray(plane) for plane in self._background])

    def set_background(self, planes: list[bytes]) -> None:
        self._background = planes

    def bake(self, lines: list[str], centre_y: int, max_scale: int) -> None:
        """Draw a label into the background once, so that frames only copy it."""
        canvas = self.canvas()
        canvas.label(lines, centre_y, max_scale)
        self._background = [bytes(plane) for plane in canvas.planes]

    def box_at(self, canvas: Canvas, x: int, y: int) -> None:
        s = self.box
        border = max(2, _even(s // 12))
        canvas.fill(x, y, x + s, y + s, WHITE)
        canvas.fill(x + border, y + border, x + s - border, y + s - border, self.look.accent)

    def orbit(self, canvas: Canvas, t: int, period: int) -> None:
        """The box on an ellipse, one lap every `period` frames (so a loop of `period` frames is seamless)."""
        angle = 2 * math.pi * t / period
        span_x, span_y = (self.width - self.box) / 2, (self.height - self.box) / 2
        self.box_at(
            canvas, round(span_x + 0.8 * span_x * math.cos(angle)), round(span_y + 0.7 * span_y * math.sin(angle))
        )

    def slide(self, canvas: Canvas, t: int, frames: int) -> None:
        """The box crossing from the left edge towards the centre over `frames` frames."""
        progress = t / max(1, frames - 1)
        x = round((self.width - self.box) / 2 * progress)
        self.box_at(canvas, x, (self.height - self.box) // 3)
