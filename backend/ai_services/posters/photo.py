"""Fitting the product photo into its slot: find the subject, crop around it, tidy a plain backdrop.

Everything is measured on a small thumbnail with Pillow alone (no numpy/OpenCV needed), but for
the band along the subject's outline, read at the slot's size:

- The backdrop colour is the median of a thin ring along the photo's edges; the ring's spread
  tells whether the backdrop is plain (a wall, a sheet, a studio sweep) or busy (a shop floor).
- The subject is what differs from the backdrop (plain) or where the edge energy is (busy):
  its box is read from the row and column profiles, ignoring thin noise at either end.
- The crop is the smallest window of the slot's aspect ratio that holds the subject with a little
  air around it, so the product fills its slot. On a plain backdrop the photo is extended with
  the backdrop colour when the window would leave the photo (a tall kurta in a wide slot); on a
  busy one, a window that would cut more than a fifth of the subject is replaced by the whole
  photo over a blurred copy of itself.
- Background clean-up (plain backdrops only): the backdrop pixels connected to the photo's edge
  are replaced by one flat colour (a dark backdrop by the poster's card colour, so a dark photo
  no longer shows as a black box). The thumbnail's mask is shrunk before it is feathered, so its
  soft edge lies on the backdrop side; in the band of a thumbnail pixel either side of the
  subject's outline, each pixel of the slot is painted only as far as it has the backdrop's
  colour. The outline is then the garment's own edge, and a pixel that differs from the
  backdrop by the subject's threshold is never changed (a garment pixel in the backdrop's very
  colour is left alone inside the garment; at its outline no mask could tell it from the sheet).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from .contrast import RGB, luminance

ANALYSIS_SIDE = 160
RING = 0.04  # share of each side read as the backdrop
PLAIN_SPREAD = 16.0  # max standard deviation (per channel, 0-255) of a plain backdrop ring
PAD = 0.06  # air around the subject, as a share of its size
MAX_UPSCALE = 2.0
MIN_KEPT = 0.8  # a busy-backdrop crop must keep this share of the subject's box
# Resizing a window of the photo first averages k x k blocks (Image.reduce, exact and cheap) for
# the largest k that leaves at least this factor to the bilinear resample. On the bench's 12 MP
# photo and on a noisy one the result is 48-53 dB PSNR from the unreduced resample (no visible
# difference) at less than half the time; at 2.0 a 2.6x shrink, the usual one, was not reduced.
REDUCING_GAP = 1.25
OUTLINE_TILE = 64  # px: the subject's outline is refined in tiles of this side


@dataclass(frozen=True)
class Subject:
    box: tuple[float, float, float, float]  # fractions of the photo (left, top, right, bottom)
    plain: bool
    backdrop: RGB
    spread: float = 0.0  # the backdrop ring's largest per-channel standard deviation
    # The analysis thumbnail (ANALYSIS_SIDE px), kept so the backdrop mask is read from the same pixels.
    small: Image.Image | None = field(default=None, compare=False, repr=False)


def _thumbnail(photo: Image.Image) -> Image.Image:
    scale = ANALYSIS_SIDE / max(photo.size)
    size = (max(8, round(photo.width * scale)), max(8, round(photo.height * scale)))
    return photo.resize(size, Image.Resampling.BILINEAR, reducing_gap=3.0)


def _ring(small: Image.Image) -> Image.Image:
    w, h = small.size
    t = max(1, round(min(w, h) * RING))
    strips = [small.crop((0, 0, w, t)), small.crop((0, h - t, w, h)),
              small.crop((0, t, t, h - t)).rotate(90, expand=True), small.crop((w - t, t, w, h - t)).rotate(90, expand=True)]
    ring = Image.new("RGB", (sum(s.width for s in strips), t))
    x = 0
    for strip in strips:
        ring.paste(strip, (x, 0))
        x += strip.width
    return ring


def _difference(small: Image.Image, colour: RGB) -> Image.Image:
    diff = ImageChops.difference(small, Image.new("RGB", small.size, colour))
    r, g, b = diff.split()
    return ImageChops.lighter(ImageChops.lighter(r, g), b)


def _span(profile: list[float], share: float) -> tuple[int, int] | None:
    """First and last index whose value is at least `share` of the profile's peak."""
    peak = max(profile, default=0)
    if peak <= 0:
        return None
    keep = [i for i, v in enumerate(profile) if v >= peak * share]
    return keep[0], keep[-1] + 1


def _mass_span(profile: list[float], trim: float) -> tuple[int, int] | None:
    """The span holding the middle (1 - 2*trim) of the profile's mass."""
    total = sum(profile)
    if total <= 0:
        return None
    seen, start, end = 0.0, 0, len(profile)
    for i, v in enumerate(profile):
        seen += v
        if seen >= total * trim:
            start = i
            break
    seen = 0.0
    for i in range(len(profile) - 1, -1, -1):
        seen += profile[i]
        if seen >= total * trim:
            end = i + 1
            break
    return (start, end) if end > start else None


def _profiles(mask: Image.Image) -> tuple[list[float], list[float]]:
    w, h = mask.size
    cols = list(mask.resize((w, 1), Image.Resampling.BOX).tobytes())
    rows = list(mask.resize((1, h), Image.Resampling.BOX).tobytes())
    return cols, rows


def _rank3(mask: Image.Image, *, grow: bool) -> Image.Image:
    """The 3x3 maximum (`grow`) or minimum of an "L" image, as ImageFilter.MaxFilter(3) /
    MinFilter(3) give it (edges repeated), from shifted copies: two 1-D passes of C loops
    instead of a 9-value sort per pixel."""
    w, h = mask.size
    pick = ImageChops.lighter if grow else ImageChops.darker
    pad = Image.new("L", (w + 2, h + 2), 0 if grow else 255)  # neutral for max / min
    pad.paste(mask, (1, 1))
    rows = pick(pick(pad.crop((0, 1, w, h + 1)), pad.crop((2, 1, w + 2, h + 1))), mask)
    pad.paste(rows, (1, 1))
    return pick(pick(pad.crop((1, 0, w + 1, h)), pad.crop((1, 2, w + 1, h + 2))), rows)


def _subject_mask(small: Image.Image, backdrop: RGB, spread: float) -> Image.Image:
    threshold = max(30, int(spread * 3))
    mask = _difference(small, backdrop).point(lambda v: 255 if v > threshold else 0)
    return _rank3(_rank3(mask, grow=False), grow=True)  # an opening: specks of noise go


def find_subject(photo: Image.Image) -> Subject:
    small = _thumbnail(photo)
    stat = ImageStat.Stat(_ring(small))
    backdrop: RGB = tuple(int(v) for v in stat.median)  # type: ignore[assignment]
    spread = max(stat.stddev)
    plain = spread <= PLAIN_SPREAD
    w, h = small.size
    box = None
    if plain:
        cols, rows = _profiles(_subject_mask(small, backdrop, spread))
        xs, ys = _span(cols, 0.04), _span(rows, 0.04)
        if xs and ys:
            box = (xs[0] / w, ys[0] / h, xs[1] / w, ys[1] / h)
        if box is None or (box[2] - box[0]) * (box[3] - box[1]) < 0.02:
            plain, box = False, None  # nothing stands out from the "backdrop": treat as busy
    if box is None:
        edges = small.convert("L").filter(ImageFilter.FIND_EDGES)
        cols, rows = _profiles(edges)
        xs, ys = _mass_span(cols, 0.06), _mass_span(rows, 0.06)
        box = (xs[0] / w, ys[0] / h, xs[1] / w, ys[1] / h) if xs and ys else (0.0, 0.0, 1.0, 1.0)
        if (box[2] - box[0]) * (box[3] - box[1]) < 0.15:  # a detail, not the product: keep the photo
            box = (0.0, 0.0, 1.0, 1.0)
    return Subject(box=box, plain=plain, backdrop=backdrop, spread=spread, small=small)


def _backdrop_masks(subject: Subject) -> tuple[Image.Image, Image.Image]:
    """(sure, near) on the analysis thumbnail. `sure`: the backdrop connected to the photo's edge,
    shrunk by a pixel (its scaled-up feather stays on the backdrop side). `near`: the same grown
    by a pixel; between the two lies the band along the subject's outline that only the pixels
    at full size can tell apart."""
    small = subject.small
    backdrop = ImageChops.invert(_subject_mask(small, subject.backdrop, subject.spread))
    # Grow from the edge through backdrop pixels only (a morphological reconstruction): a
    # backdrop-coloured patch inside the garment is not reached, so it is never replaced.
    seed = Image.new("L", small.size, 0)
    ImageDraw.Draw(seed).rectangle((0, 0, small.width - 1, small.height - 1), outline=255)
    connected = ImageChops.multiply(seed, backdrop)
    for _ in range(small.width + small.height):
        grown = ImageChops.darker(_rank3(connected, grow=True), backdrop)
        if grown.tobytes() == connected.tobytes():
            break
        connected = grown
    return _rank3(connected, grow=False), _rank3(connected, grow=True)


def _looks_like_backdrop(picture: Image.Image, subject: Subject) -> Image.Image:
    """255 where a pixel has the backdrop's colour, 0 where it differs by the subject threshold,
    a ramp between (the anti-aliased edge of the garment is kept, softly)."""
    high = max(30, int(subject.spread * 3))
    low = high // 2
    ramp = [255 if v <= low else 0 if v >= high else round(255 * (high - v) / (high - low)) for v in range(256)]
    return _difference(picture, subject.backdrop).point(ramp)


def clean_colour(subject: Subject, card: RGB) -> RGB:
    """A dark backdrop becomes the poster's card colour; a light one stays, without noise."""
    return card if luminance(subject.backdrop) < 0.2 else subject.backdrop


@dataclass(frozen=True)
class Fitted:
    image: Image.Image
    subject: Subject
    subject_box: tuple[int, int, int, int]  # where the subject is in `image`
    cleaned: bool


def _mapped(subject: Subject, W: int, H: int, x0: float, y0: float, scale: float, size) -> tuple[int, int, int, int]:
    l, t, r, b = subject.box
    box = ((l * W - x0) * scale, (t * H - y0) * scale, (r * W - x0) * scale, (b * H - y0) * scale)
    return (max(0, round(box[0])), max(0, round(box[1])), min(size[0], round(box[2])), min(size[1], round(box[3])))


def _place(photo: Image.Image, size: tuple[int, int], fill: RGB, scale: float, ox: float, oy: float, *,
           clean: Subject | None = None) -> Image.Image:
    """The photo scaled by `scale` with its origin at (ox, oy) on a `fill` canvas of `size`;
    only the part that lands on the canvas is resized (once, from the decoded photo). With
    `clean` (the photo's subject, on a plain backdrop), the backdrop is painted `fill`: wholly
    where the thumbnail is sure, and along the subject's outline pixel by pixel at the slot's
    size, so the outline follows the garment's edge rather than the thumbnail's pixels."""
    W, H = photo.size
    src = (max(0.0, -ox / scale), max(0.0, -oy / scale), min(W, (size[0] - ox) / scale), min(H, (size[1] - oy) / scale))
    canvas = Image.new("RGB", size, fill)
    if src[2] <= src[0] or src[3] <= src[1]:
        return canvas
    dest = (round(ox + src[0] * scale), round(oy + src[1] * scale), round(ox + src[2] * scale), round(oy + src[3] * scale))
    piece_size = (max(1, dest[2] - dest[0]), max(1, dest[3] - dest[1]))
    piece = photo.resize(piece_size, Image.Resampling.BILINEAR, box=src, reducing_gap=REDUCING_GAP)
    canvas.paste(piece, dest[:2])
    if clean is not None:
        sure, near = _backdrop_masks(clean)
        sx, sy = sure.width / W, sure.height / H
        window = (src[0] * sx, src[1] * sy, src[2] * sx, src[3] * sy)
        sure, near = (m.resize(piece_size, Image.Resampling.BILINEAR, box=window) for m in (sure, near))
        mask, band = sure.copy(), ImageChops.subtract(near, sure)
        for y in range(0, piece_size[1], OUTLINE_TILE):  # the outline is thin: only its tiles are read
            for x in range(0, piece_size[0], OUTLINE_TILE):
                inked = band.crop((x, y, x + OUTLINE_TILE, y + OUTLINE_TILE)).getbbox()
                if inked:
                    box = (x + inked[0], y + inked[1], x + inked[2], y + inked[3])
                    outline = ImageChops.darker(near.crop(box), _looks_like_backdrop(piece.crop(box), clean))
                    mask.paste(ImageChops.lighter(sure.crop(box), outline), box)
        canvas.paste(fill, (*dest[:2], dest[0] + piece_size[0], dest[1] + piece_size[1]), mask)
    return canvas


def fit_photo(photo: Image.Image, size: tuple[int, int], *, card: RGB, clean: bool = True,
              keep_clear: tuple[int, int] | None = None, subject: Subject | None = None) -> Fitted:
    """`photo` cropped (or extended) around its subject to exactly `size`. `keep_clear` is the
    (width, height) of a tag in the slot's top-right corner the subject should stay out of;
    `subject` is find_subject(photo) when the caller has it already.

    Every branch resizes only the window of the photo that lands in the slot, once (Pillow
    reduces it by an integer factor first): a 12 MP photo costs what the slot needs. The
    backdrop clean-up is painted at the slot's size too, through the mask scaled the same way."""
    if subject is None:
        subject = find_subject(photo)
    slot_w, slot_h = size
    aspect = slot_w / slot_h
    W, H = photo.size
    fill = subject.backdrop
    cleaned = subject.plain and clean
    if cleaned:
        fill = clean_colour(subject, card)
    left, top, right, bottom = (subject.box[0] * W, subject.box[1] * H, subject.box[2] * W, subject.box[3] * H)
    bw, bh = right - left, bottom - top
    left, right = left - bw * PAD, right + bw * PAD
    top, bottom = top - bh * PAD, bottom + bh * PAD
    cx, cy = (left + right) / 2, (top + bottom) / 2
    if subject.plain:
        # The subject is centred in the largest area free of the tag, as large as it fits; the
        # clean backdrop extends the photo wherever the window leaves it.
        areas = [(0, 0, slot_w, slot_h)]
        if keep_clear:
            kw, kh = keep_clear
            areas = [(0, 0, slot_w - kw, slot_h), (0, kh, slot_w, slot_h)]
        best = None
        for area in areas:
            aw, ah = area[2] - area[0], area[3] - area[1]
            if aw <= 0 or ah <= 0:
                continue
            scale = min(aw / (right - left), ah / (bottom - top), MAX_UPSCALE)
            if best is None or scale > best[0]:
                best = (scale, area)
        scale, area = best
        ox = (area[0] + area[2]) / 2 - cx * scale
        oy = (area[1] + area[3]) / 2 - cy * scale
        image = _place(photo, size, fill, scale, ox, oy, clean=subject if cleaned else None)
        return Fitted(image, subject, _mapped(subject, W, H, -ox / scale, -oy / scale, scale, size), cleaned)
    # A busy photo is cropped at most to half its largest window of the slot's ratio, and never
    # enlarged more than MAX_UPSCALE.
    largest = min(W, H * aspect)
    cw = max(right - left, (bottom - top) * aspect, slot_w / MAX_UPSCALE, largest / MAX_UPSCALE)
    ch = cw / aspect
    if cw <= W and ch <= H:
        x0 = min(max(cx - cw / 2, 0), W - cw)
        y0 = min(max(cy - ch / 2, 0), H - ch)
        box = (round(x0), round(y0), round(x0 + cw), round(y0 + ch))
        image = photo.resize(size, Image.Resampling.BILINEAR, box=box, reducing_gap=REDUCING_GAP)
        return Fitted(image, subject, _mapped(subject, W, H, x0, y0, slot_w / cw, size), cleaned)
    # Busy backdrop: the largest window of the slot's ratio, centred on the subject, if it
    # keeps most of the subject; otherwise the whole photo over a blurred copy of itself.
    cw = largest
    ch = cw / aspect
    x0 = min(max(cx - cw / 2, 0), W - cw)
    y0 = min(max(cy - ch / 2, 0), H - ch)
    kept_w = max(0.0, min(x0 + cw, right) - max(x0, left)) / max(right - left, 1)
    kept_h = max(0.0, min(y0 + ch, bottom) - max(y0, top)) / max(bottom - top, 1)
    if kept_w * kept_h >= MIN_KEPT:
        box = (round(x0), round(y0), round(x0 + cw), round(y0 + ch))
        image = photo.resize(size, Image.Resampling.BILINEAR, box=box, reducing_gap=REDUCING_GAP)
        return Fitted(image, subject, _mapped(subject, W, H, x0, y0, slot_w / cw, size), cleaned)
    cover = photo.resize(size, Image.Resampling.BILINEAR, box=(round(x0), round(y0), round(x0 + cw), round(y0 + ch)),
                         reducing_gap=REDUCING_GAP)
    canvas = cover.resize((max(1, slot_w // 8), max(1, slot_h // 8)), Image.Resampling.BOX).filter(
        ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BILINEAR)
    scale = min(slot_w / W, slot_h / H)
    scaled = photo.resize((max(1, round(W * scale)), max(1, round(H * scale))), Image.Resampling.BILINEAR, reducing_gap=REDUCING_GAP)
    at = ((slot_w - scaled.width) // 2, (slot_h - scaled.height) // 2)
    canvas.paste(scaled, at)
    return Fitted(canvas, subject, _mapped(subject, W, H, -at[0] / scale, -at[1] / scale, scale, size), cleaned)
