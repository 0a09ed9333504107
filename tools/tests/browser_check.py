# SPDX-License-Identifier: MIT
"""The demo pages in a real browser: headless Chromium loads each page, a probe
(added to a copy of the page, never to the page itself) reports where the
regions are, whether the images decoded and what hovering a band shows; a
screenshot of the unmodified page must show ink in every region.

usage: browser_check.py TRAINMETRICS CHROMIUM OUT_DIR
The screenshots stay in OUT_DIR for a person to look at."""

import html
import json
import os
import re
import subprocess
import sys
import zlib

WIDTH = 1280

PROBE = """<script>
window.addEventListener('load', function () {
  var out = {regions: {}, images: [], hover: null, bands: 0, wavelengths: []};
  ['summary', 'curves', 'loss-curves', 'metric-curves', 'confusion-heatmap', 'cam', 'criteria', 'metrics',
   'abundance-scatter', 'endmembers'].forEach(function (id) {
    var e = document.getElementById(id);
    if (e) { var r = e.getBoundingClientRect(); out.regions[id] = [r.left, r.top + window.scrollY, r.width, r.height]; }
  });
  document.querySelectorAll('img').forEach(function (i) { out.images.push([i.naturalWidth, i.naturalHeight]); });
  var bands = document.querySelectorAll('.band');
  out.bands = bands.length;
  for (var i = 0; i < bands.length && i < 400; i++) out.wavelengths.push(bands[i].dataset.wavelength);
  if (bands.length) {
    var b = bands[Math.floor(bands.length / 3)];
    b.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    var f = b.closest('figure');
    out.hover = {readout: f.querySelector('.readout').textContent, wavelength: b.dataset.wavelength,
                 importance: b.dataset.importance, value: b.dataset.value,
                 title: b.querySelector('title').textContent};
  }
  out.height = document.documentElement.scrollHeight;
  var pre = document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def chromium(binary, *args):
    command = [binary, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--no-first-run", "--disable-extensions", "--allow-file-access-from-files", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def read_png(path):
    """An RGB(A) 8-bit PNG as rows of pixel tuples (stdlib only: zlib + the five filters)."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
            depth, color = body[8], body[9]
            assert depth == 8 and color in (2, 6) and body[12] == 0, "expected 8-bit RGB(A), not interlaced"
            channels = 3 if color == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def colours_in(png, box):
    """Distinct colours (quantized to 4 bits) in a region of the screenshot."""
    width, height, channels, rows = png
    left, top, w, h = (int(round(v)) for v in box)
    seen = set()
    for y in range(max(top, 0), min(top + h, height), 2):
        row = rows[y]
        for x in range(max(left, 0), min(left + w, width), 2):
            seen.add(tuple(v >> 4 for v in row[x * channels:x * channels + 3]))
    return seen


def check_page(chrome, page, out_dir, expect):
    name = os.path.splitext(os.path.basename(page))[0]
    text = open(page, encoding="utf-8").read()
    assert "</body>" in text
    probed = os.path.join(out_dir, name + "-probe.html")
    with open(probed, "w", encoding="utf-8") as f:
        f.write(text.replace("</body>", PROBE + "</body>"))
    dom = chromium(chrome, f"--window-size={WIDTH},1000", "--virtual-time-budget=5000", "--dump-dom",
                   "file://" + os.path.abspath(probed))
    match = re.search(r'<pre id="probe-result">(.*?)</pre>', dom.stdout, re.S)
    assert match, f"{name}: the probe did not report (chromium said: {dom.stderr[-400:]})"
    probe = json.loads(html.unescape(match.group(1)))
    height = min(int(probe["height"]) + 20, 16000)
    shot = os.path.join(out_dir, name + ".png")
    result = chromium(chrome, f"--window-size={WIDTH},{height}", f"--screenshot={shot}",
                      "file://" + os.path.abspath(page))
    assert os.path.exists(shot), f"{name}: no screenshot ({result.stderr[-400:]})"
    png = read_png(shot)
    assert png[0] == WIDTH, f"{name}: screenshot {png[0]} wide"
    failures = []
    for region, minimum in expect["regions"].items():
        box = probe["regions"].get(region)
        if not box or box[2] < 100 or box[3] < 60:
            failures.append(f"region #{region} missing or collapsed: {box}")
            continue
        n = len(colours_in(png, box))
        print(f"{name}: #{region} at {[round(v) for v in box]} shows {n} colours")
        if n < minimum:
            failures.append(f"region #{region} looks blank: {n} colours < {minimum}")
    if expect.get("images"):
        bad = [i for i in probe["images"] if i[0] == 0]
        if len(probe["images"]) < expect["images"] or bad:
            failures.append(f"images: {len(probe['images'])} found, {len(bad)} undecoded")
    if expect.get("bands"):
        hover = probe["hover"]
        if probe["bands"] < expect["bands"] or not hover:
            failures.append(f"bands: {probe['bands']} hover targets")
        else:
            print(f"{name}: hovering shows '{hover['readout']}'")
            if hover["wavelength"] not in hover["readout"] or hover["importance"] not in hover["readout"]:
                failures.append(f"hover readout '{hover['readout']}' lacks the band's values")
            if not hover["title"].startswith(hover["wavelength"]):
                failures.append(f"band title '{hover['title']}'")
            lo, hi = float(probe["wavelengths"][0]), max(map(float, probe["wavelengths"]))
            if not (lo == expect["first_wavelength"] and hi == expect["last_wavelength"]):
                failures.append(f"bands span {lo}..{hi} nm")
    return failures


def main():
    cli, chrome, out_dir = sys.argv[1:4]
    os.makedirs(out_dir, exist_ok=True)
    demo = subprocess.run([cli, "demo", "--out", out_dir], capture_output=True, text=True)
    if demo.returncode:
        print(demo.stderr)
        return 1
    expectations = {
        "mayonnaise": {"regions": {"summary": 8, "loss-curves": 6, "metric-curves": 6, "confusion-heatmap": 12,
                                   "cam": 12, "criteria": 2},
                       "bands": 351, "first_wavelength": 1100, "last_wavelength": 2500},
        "digits": {"regions": {"summary": 8, "loss-curves": 6, "confusion-heatmap": 12, "cam": 20}, "images": 10},
        "unmixing": {"regions": {"summary": 8, "loss-curves": 6, "abundance-scatter": 6, "endmembers": 6}},
    }
    failures = []
    for name, expect in expectations.items():
        failures += [f"{name}: {f}" for f in check_page(chrome, os.path.join(out_dir, name + ".html"), out_dir, expect)]
    for f in failures:
        print("FAIL", f)
    print(f"screenshots in {out_dir}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
