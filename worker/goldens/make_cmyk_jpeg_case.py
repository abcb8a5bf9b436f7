"""Writes CMYK and YCCK JPEGs and the RGB arrays Pillow's Image.open(f).convert('RGB') gives for
them (what the official demo's start image becomes through Gradio), for the worker's decoder tests.

  cmyk.jpg      4 components, Adobe APP14 marker with transform 0 (CMYK), as Pillow writes them
  cmyk-420.jpg  the same with the first component subsampled 2x2 (the others are upsampled on decode)
  ycck.jpg      the same picture as YCCK (Adobe transform 2), as Photoshop writes CMYK JPEGs
  ycck-420.jpg  the same with Y subsampled 2x2
  icc-cmyk.jpg  cmyk.jpg with an (sRGB) ICC profile embedded: Pillow's convert ignores profiles
  NAME.rgb      Pillow's RGB samples of NAME.jpg, row-major, 3 bytes a pixel (33x17 pixels)

    python make_cmyk_jpeg_case.py OUT_DIR        (ran with Pillow 12.3.0)
"""
import io
import random
import sys

from PIL import Image, ImageCms

WIDTH, HEIGHT = 33, 17


def cmyk_image():
    random.seed(15)
    image = Image.new("CMYK", (WIDTH, HEIGHT))
    image.putdata([(x * 255 // (WIDTH - 1), y * 255 // (HEIGHT - 1), (x * y * 5 + random.randrange(40)) % 256,
                    (x + y) * 3 % 160) for y in range(HEIGHT) for x in range(WIDTH)])
    return image


def jpeg(image, **options):
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90, **options)
    return out.getvalue()


def ycck_components(image):
    """The picture's YCCK samples, as a CMYK image Pillow stores unchanged but inverted (its Adobe convention).

    Adobe stores 255 - ink; YCCK holds those first three as the YCbCr of the RGB (c, m, y), the
    encoder's conversion (libjpeg's cmyk_ycck_convert), and the stored K as it is.
    """
    samples = []
    for c, m, y, k in image.getdata():
        luma = 0.299 * c + 0.587 * m + 0.114 * y
        cb = -0.168735892 * c - 0.331264108 * m + 0.5 * y + 128
        cr = 0.5 * c - 0.418687589 * m - 0.081312411 * y + 128
        stored = [round(min(255, max(0, v))) for v in (luma, cb, cr)] + [255 - k]
        samples.append(tuple(255 - v for v in stored))
    components = Image.new("CMYK", image.size)
    components.putdata(samples)
    return components


def with_adobe_transform(data, transform):
    """The Adobe APP14 segment's last byte says how the components are coded (0 CMYK, 2 YCCK)."""
    transform_at = data.index(b"Adobe") + 11
    assert data[transform_at] == 0
    return data[:transform_at] + bytes([transform]) + data[transform_at + 1:]


def main(out_dir):
    image = cmyk_image()
    cmyk = jpeg(image)
    cmyk_420 = jpeg(image, subsampling="4:2:0")
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    files = {
        "cmyk": cmyk,
        "cmyk-420": cmyk_420,
        "ycck": with_adobe_transform(jpeg(ycck_components(image)), 2),
        "ycck-420": with_adobe_transform(jpeg(ycck_components(image), subsampling="4:2:0"), 2),
        "icc-cmyk": jpeg(image, icc_profile=srgb),
    }
    for name, data in files.items():
        with open(f"{out_dir}/{name}.jpg", "wb") as f:
            f.write(data)
        decoded = Image.open(io.BytesIO(data))
        assert decoded.mode == "CMYK"
        with open(f"{out_dir}/{name}.rgb", "wb") as f:
            f.write(decoded.convert("RGB").tobytes())


if __name__ == "__main__":
    main(sys.argv[1])
