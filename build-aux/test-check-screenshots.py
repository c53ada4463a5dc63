#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Negative tests of check-screenshots.py: each breaks one rule in a copy of
# the built metainfo and of data/screenshots, and expects the check to fail,
# naming it. The unbroken copies must pass.
#
#   test-check-screenshots.py CHECKER METAINFO SCREENSHOTS_DIR BASE_URL

import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import zlib

CHECKER = METAINFO = SHOTS = BASE_URL = None


def tiny_png(width, height):
    """A valid, blank PNG of that size (only its header is read)."""
    def chunk(kind, data):
        return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data))
    rows = b''.join(b'\0' + b'\0' * width for _ in range(height))
    return (b'\x89PNG\r\n\x1a\n'
            + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 0, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(rows)) + chunk(b'IEND', b''))


class ScreenshotRules(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.shots = os.path.join(self.tmp.name, 'screenshots')
        shutil.copytree(SHOTS, self.shots)
        with open(METAINFO, encoding='utf-8') as f:
            self.metainfo = f.read()

    def tearDown(self):
        self.tmp.cleanup()

    def check(self):
        path = os.path.join(self.tmp.name, 'metainfo.xml')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(self.metainfo)
        result = subprocess.run([sys.executable, CHECKER, path, self.shots, BASE_URL],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        return result.returncode, result.stderr

    def assert_fails(self, *words):
        rc, errors = self.check()
        self.assertEqual(rc, 1, 'the check passed broken screenshots')
        for word in words:
            self.assertIn(word, errors)

    def test_copies_pass(self):
        rc, errors = self.check()
        self.assertEqual(rc, 0, errors)

    def test_shown_but_missing(self):
        os.remove(os.path.join(self.shots, 'failure.png'))
        self.assert_fails('failure.png is shown but not in')

    # A file written into the screenshots folder, and what the check must say.
    WRITTEN = (
        ('extra.png', tiny_png(800, 500), 'extra.png is in'),
        ('search.png', b'GIF89a not a png at all', 'search.png is not a PNG'),
        ('search.png', tiny_png(320, 200), 'search.png is 320x200, smaller'),
        ('search.png', tiny_png(2560, 1600), 'search.png is 2560x1600, larger'),
    )

    def test_written(self):
        for name, data, words in self.WRITTEN:
            with self.subTest(name=name, words=words):
                self.tearDown()
                self.setUp()
                with open(os.path.join(self.shots, name), 'wb') as f:
                    f.write(data)
                self.assert_fails(words)

    def test_elsewhere(self):
        self.metainfo = self.metainfo.replace(BASE_URL + '/failure.png', 'https://example.org/failure.png')
        self.assert_fails('is not published from')

    def test_two_defaults(self):
        self.metainfo = self.metainfo.replace('<screenshot>', '<screenshot type="default">', 1)
        self.assert_fails('2 screenshots are the default')

    def test_no_caption(self):
        # The built metainfo carries each caption in every language too:
        # the first screenshot loses all of them.
        start = self.metainfo.index('<screenshot')
        end = self.metainfo.index('</screenshot>', start)
        shot = re.sub(r'<caption[^>]*>.*?</caption>', '', self.metainfo[start:end], flags=re.S)
        self.metainfo = self.metainfo[:start] + shot + self.metainfo[end:]
        self.assert_fails('has no caption')


if __name__ == '__main__':
    if len(sys.argv) < 5:
        sys.exit(f'usage: {sys.argv[0]} CHECKER METAINFO SCREENSHOTS_DIR BASE_URL')
    CHECKER, METAINFO, SHOTS, BASE_URL = (os.path.abspath(sys.argv[1]), sys.argv[2],
                                          sys.argv[3], sys.argv[4])
    unittest.main(argv=[sys.argv[0], '-v'])
