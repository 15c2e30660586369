"""Fitting the product photo into its slot: find the subject, crop around it, tidy a plain backdrop.

Everything is measured on a small thumbnail with Pillow alone (no numpy/OpenCV needed):

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
  no longer shows as a black box). The mask is shrunk before it is feathered, so its soft edge
  lies on the backdrop side: pixels of the garment are never changed.
"""
from __future__ import annotations

from dataclasses import dataclass

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageStat

from .contrast import RGB, luminance

ANALYSIS_SIDE = 160
RING = 0.04  # share of each side read as the backdrop
PLAIN_SPREAD = 16.0  # max standard deviation (per channel, 0-255) of a plain backdrop ring
PAD = 0.06  # air around the subject, as a share of its size
MAX_UPSCALE = 2.0
MIN_KEPT = 0.8  # a busy-backdrop crop must keep this share of the subject's box


@dataclass(frozen=True)
class Subject:
    box: tuple[float, float, float, float]  # fractions of the photo (left, top, right, bottom)
    plain: bool
    backdrop: RGB


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


def _subject_mask(small: Image.Image, backdrop: RGB, spread: float) -> Image.Image:
    threshold = max(30, int(spread * 3))
    mask = _difference(small, backdrop).point(lambda v: 255 if v > threshold else 0)
    return mask.filter(ImageFilter.MinFilter(3)).filter(ImageFilter.MaxFilter(3))


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
    return Subject(box=box, plain=plain, backdrop=backdrop)


def _backdrop_mask(photo: Image.Image, subject: Subject) -> Image.Image:
    """255 where the photo shows backdrop connected to its edge (full size, feathered inside)."""
    small = _thumbnail(photo)
    spread = max(ImageStat.Stat(_ring(small)).stddev)
    not_backdrop = _subject_mask(small, subject.backdrop, spread)
    backdrop = ImageChops.invert(not_backdrop)
    # Grow from the edge through backdrop pixels only (a morphological reconstruction): a
    # backdrop-coloured patch inside the garment is not reached, so it is never replaced.
    seed = Image.new("L", small.size, 0)
    ImageDraw.Draw(seed).rectangle((0, 0, small.width - 1, small.height - 1), outline=255)
    connected = ImageChops.multiply(seed, backdrop)
    for _ in range(small.width + small.height):
        grown = ImageChops.multiply(connected.filter(ImageFilter.MaxFilter(3)), backdrop)
        if grown.tobytes() == connected.tobytes():
            break
        connected = grown
    connected = connected.filter(ImageFilter.MinFilter(3))  # keep the feather on the backdrop side
    return connected.resize(photo.size, Image.Resampling.BILINEAR)


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


def _place(photo: Image.Image, size: tuple[int, int], fill: RGB, scale: float, ox: float, oy: float) -> Image.Image:
    """The photo scaled by `scale` with its origin at (ox, oy) on a `fill` canvas of `size`;
    only the part that lands on the canvas is resized."""
    W, H = photo.size
    src = (max(0.0, -ox / scale), max(0.0, -oy / scale), min(W, (size[0] - ox) / scale), min(H, (size[1] - oy) / scale))
    canvas = Image.new("RGB", size, fill)
    if src[2] <= src[0] or src[3] <= src[1]:
        return canvas
    dest = (round(ox + src[0] * scale), round(oy + src[1] * scale), round(ox + src[2] * scale), round(oy + src[3] * scale))
    piece = photo.resize((max(1, dest[2] - dest[0]), max(1, dest[3] - dest[1])), Image.Resampling.BILINEAR,
                         box=src, reducing_gap=2.0)
    canvas.paste(piece, dest[:2])
    return canvas


def fit_photo(photo: Image.Image, size: tuple[int, int], *, card: RGB, clean: bool = True,
              keep_clear: tuple[int, int] | None = None) -> Fitted:
    """`photo` cropped (or extended) around its subject to exactly `size`. `keep_clear` is the
    (width, height) of a tag in the slot's top-right corner the subject should stay out of."""
    subject = find_subject(photo)
    slot_w, slot_h = size
    aspect = slot_w / slot_h
    W, H = photo.size
    # Work at the size the photo will be drawn at (a 12 MP photo is 10x more pixels than a
    # slot): everything below then costs what the poster needs, not what the camera took.
    sub_w = (subject.box[2] - subject.box[0]) * W * (1 + 2 * PAD)
    sub_h = (subject.box[3] - subject.box[1]) * H * (1 + 2 * PAD)
    needed = max(slot_w / sub_w, slot_h / sub_h) if subject.plain else max(slot_w / W, slot_h / H)
    own_copy = needed < 0.8
    if own_copy:
        photo = photo.resize((max(1, round(W * needed)), max(1, round(H * needed))), Image.Resampling.BILINEAR,
                             reducing_gap=2.0)
        W, H = photo.size
    fill = subject.backdrop
    cleaned = subject.plain and clean
    if cleaned:
        fill = clean_colour(subject, card)
        if not own_copy:
            photo = photo.copy()  # the caller's picture is never changed
        photo.paste(fill, (0, 0, W, H), _backdrop_mask(photo, subject))
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
        image = _place(photo, size, fill, scale, ox, oy)
        return Fitted(image, subject, _mapped(subject, W, H, -ox / scale, -oy / scale, scale, size), cleaned)
    cw = max(right - left, (bottom - top) * aspect, slot_w / MAX_UPSCALE)
    ch = cw / aspect
    if cw <= W and ch <= H:
        x0 = min(max(cx - cw / 2, 0), W - cw)
        y0 = min(max(cy - ch / 2, 0), H - ch)
        box = (round(x0), round(y0), round(x0 + cw), round(y0 + ch))
        image = photo.resize(size, Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
        return Fitted(image, subject, _mapped(subject, W, H, x0, y0, slot_w / cw, size), cleaned)
    # Busy backdrop: the largest window of the slot's ratio, centred on the subject, if it
    # keeps most of the subject; otherwise the whole photo over a blurred copy of itself.
    cw = min(W, H * aspect)
    ch = cw / aspect
    x0 = min(max(cx - cw / 2, 0), W - cw)
    y0 = min(max(cy - ch / 2, 0), H - ch)
    kept_w = max(0.0, min(x0 + cw, right) - max(x0, left)) / max(right - left, 1)
    kept_h = max(0.0, min(y0 + ch, bottom) - max(y0, top)) / max(bottom - top, 1)
    if kept_w * kept_h >= MIN_KEPT:
        box = (round(x0), round(y0), round(x0 + cw), round(y0 + ch))
        image = photo.resize(size, Image.Resampling.BILINEAR, box=box, reducing_gap=2.0)
        return Fitted(image, subject, _mapped(subject, W, H, x0, y0, slot_w / cw, size), cleaned)
    cover = photo.resize(size, Image.Resampling.BILINEAR, box=(round(x0), round(y0), round(x0 + cw), round(y0 + ch)),
                         reducing_gap=2.0)
    canvas = cover.resize((max(1, slot_w // 8), max(1, slot_h // 8)), Image.Resampling.BOX).filter(
        ImageFilter.GaussianBlur(2)).resize(size, Image.Resampling.BILINEAR)
    scale = min(slot_w / W, slot_h / H)
    scaled = photo.resize((max(1, round(W * scale)), max(1, round(H * scale))), Image.Resampling.BILINEAR, reducing_gap=2.0)
    at = ((slot_w - scaled.width) // 2, (slot_h - scaled.height) // 2)
    canvas.paste(scaled, at)
    return Fitted(canvas, subject, _mapped(subject, W, H, -at[0] / scale, -at[1] / scale, scale, size), cleaned)
