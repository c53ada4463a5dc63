#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the metainfo's screenshots against data/screenshots: each image is
# published from BASE_URL and is a PNG there, each PNG there is shown, one is
# the default, each has a caption, and their sizes suit software centres.
# Whether they are fresh is build-aux/screenshots --check (slow: it runs the
# demo).
#
#   check-screenshots.py METAINFO SCREENSHOTS_DIR BASE_URL

import os
import struct
import sys
import xml.etree.ElementTree as ET

# GNOME Software wants at least 624x351 (16:9 at its smallest); larger than
# 1920x1080 is only download weight. A shot is a window, not a video.
MIN_SIZE = (624, 351)
MAX_SIZE = (1920, 1080)
MAX_BYTES = 1024 * 1024


def png_size(path):
    with open(path, 'rb') as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b'\x89PNG\r\n\x1a\n' or head[12:16] != b'IHDR':
        return None
    return struct.unpack('>II', head[16:24])


def main():
    if len(sys.argv) != 4:
        sys.exit(f'usage: {sys.argv[0]} METAINFO SCREENSHOTS_DIR BASE_URL')
    metainfo, shots_dir, base_url = sys.argv[1:]
    errors = []

    screenshots = ET.parse(metainfo).getroot().findall('./screenshots/screenshot')
    if not screenshots:
        errors.append('the metainfo has no screenshots')
    defaults = [s for s in screenshots if s.get('type') == 'default']
    if len(defaults) != 1:
        errors.append(f'{len(defaults)} screenshots are the default, not one')

    shown = set()
    for shot in screenshots:
        image = shot.find('image')
        url = image.text.strip() if image is not None and image.text else ''
        if not shot.findtext('caption', '').strip():
            errors.append(f'{url or "a screenshot"} has no caption')
        if not url.startswith(base_url + '/'):
            errors.append(f'{url!r} is not published from {base_url}')
            continue
        name = url[len(base_url) + 1:]
        shown.add(name)
        path = os.path.join(shots_dir, name)
        if not os.path.isfile(path):
            errors.append(f'{name} is shown but not in {shots_dir}')
            continue
        size = png_size(path)
        if size is None:
            errors.append(f'{name} is not a PNG')
            continue
        if size[0] < MIN_SIZE[0] or size[1] < MIN_SIZE[1]:
            errors.append(f'{name} is {size[0]}x{size[1]}, smaller than {MIN_SIZE[0]}x{MIN_SIZE[1]}')
        if size[0] > MAX_SIZE[0] or size[1] > MAX_SIZE[1]:
            errors.append(f'{name} is {size[0]}x{size[1]}, larger than {MAX_SIZE[0]}x{MAX_SIZE[1]}')
        if os.path.getsize(path) > MAX_BYTES:
            errors.append(f'{name} weighs {os.path.getsize(path)} bytes, more than {MAX_BYTES}')

    for name in sorted(os.listdir(shots_dir)):
        if name.endswith('.png') and name not in shown:
            errors.append(f'{name} is in {shots_dir} but the metainfo does not show it')

    for message in errors:
        print(f'screenshots: error: {message}', file=sys.stderr)
    if errors:
        return 1
    print(f'screenshots: {len(shown)} OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
