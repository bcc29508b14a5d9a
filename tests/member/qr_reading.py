"""Reading a QR code back from the SVG the pages embed: the SVG's dark modules drawn
into a grayscale bitmap, decoded by zxing-cpp (a reader independent of segno)."""

import re

SVG = re.compile(r'<svg[^>]*viewBox="0 0 (\d+) (\d+)"[^>]*class="qr"[^>]*>.*?</svg>', re.S)


def svg_matrix(svg: str) -> list[list[int]]:
    """The module matrix (1 = dark, quiet zone included) of one of core.qr's SVGs:
    its dark path is horizontal runs, `M x y` / `m dx dy` moves then `h n` runs."""
    width, height = (int(v) for v in SVG.search(svg).groups())
    grid = [[0] * width for _ in range(height)]
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for command, args in re.findall(r"([MmHhVvZz])([^MmHhVvZz]*)", path):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command == "h":
            for column in range(int(x), int(x + numbers[0])):
                grid[int(y)][column] = 1
            x += numbers[0]
        else:
            raise AssertionError(f"unexpected path command {command}")
    return grid


def decode(svg: str, scale: int = 4) -> list[str]:
    """Every QR code zxing-cpp reads in the SVG's bitmap."""
    import zxingcpp

    grid = svg_matrix(svg)
    rows = []
    for row in grid:
        line = bytes(0 if dark else 255 for dark in row for _ in range(scale))
        rows.extend([line] * scale)
    width = len(grid[0]) * scale
    image = memoryview(b"".join(rows)).cast("B", (len(rows), width))
    return [r.text for r in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)]


def svgs(html: str) -> list[str]:
    return [m.group(0) for m in SVG.finditer(html)]
