#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Negative tests of check-flatpak-manifest.py: each breaks one Flathub rule in
# a copy of the real manifest and expects the checker to fail, naming it. The
# unbroken copy must pass, so a failure is the rule's and not the copy's.
#
#   test-check-flatpak-manifest.py CHECKER MANIFEST

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest

CHECKER = None
MANIFEST_TEXT = None
checker = None


def load_checker():
    global checker
    spec = importlib.util.spec_from_file_location('checker', CHECKER)
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)


class ManifestRules(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        # The manifest builds "..": give it a source tree with a meson.build.
        os.mkdir(os.path.join(self.tmp.name, 'flatpak'))
        with open(os.path.join(self.tmp.name, 'meson.build'), 'w') as f:
            f.write("project('dailies', 'c')\n")
        self.path = os.path.join(self.tmp.name, 'flatpak', 'io.github.dailies.Dailies.json')
        self.manifest = self.real_manifest()

    @staticmethod
    def real_manifest():
        """As the checker reads it, comments and all."""
        return json.loads(checker.strip_block_comments(MANIFEST_TEXT))

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, text=None):
        if text is None:
            text = json.dumps(self.manifest, indent=2)
        with open(self.path, 'w', encoding='utf-8') as f:
            f.write(text)

    def run_checker(self, text=None):
        """In this process: a Python start-up per case is slow on a busy machine."""
        self.write(text)
        c = checker.Checker(self.path)
        c.run('io.github.dailies.Dailies', 'dailies')
        return (1 if c.errors else 0), '\n'.join(c.errors)

    def run_command(self, text=None):
        self.write(text)
        result = subprocess.run([sys.executable, CHECKER, self.path],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, timeout=120)
        return result.returncode, result.stderr

    def assert_fails(self, *words, text=None):
        rc, errors = self.run_checker(text)
        self.assertEqual(rc, 1, f'the checker passed a broken manifest:\n{errors}')
        for word in words:
            self.assertIn(word, errors)

    def replace_arg(self, old, new):
        args = self.manifest['finish-args']
        self.assertIn(old, args)
        if new is None:
            args.remove(old)
        else:
            args[args.index(old)] = new

    # The baselines

    def test_real_manifest_passes(self):
        rc, errors = self.run_checker(MANIFEST_TEXT)
        self.assertEqual(rc, 0, errors)

    def test_command_exit_codes(self):
        rc, errors = self.run_command()
        self.assertEqual(rc, 0, errors)
        self.manifest['finish-args'].append('--filesystem=host')
        rc, errors = self.run_command()
        self.assertEqual(rc, 1)
        self.assertIn('error: finish-arg --filesystem=host', errors)
        self.assertNotIn('Traceback', errors)

    def test_copy_passes(self):
        rc, errors = self.run_checker()
        self.assertEqual(rc, 0, errors)

    def test_block_comments_are_read_as_flatpak_builder_does(self):
        text = json.dumps(self.manifest, indent=2).replace(
            '"finish-args": [',
            '"finish-args": [ /* a "quoted" word, a // and a * */', 1)
        rc, errors = self.run_checker(text)
        self.assertEqual(rc, 0, errors)

    def test_comment_in_comment(self):
        text = json.dumps(self.manifest, indent=2).replace(
            '"finish-args": [', '"finish-args": [ /* a path/* */', 1)
        self.assert_fails('holds /*', text=text)

    # One finish-arg added, and what the checker must say about it: sandbox
    # holes, and D-Bus names the app does not use (the rest is portals).
    ADDED_ARGS = (
        ('--filesystem=home', 'whole home folder'),
        ('--filesystem=home/:ro', 'whole home folder'),
        ('--filesystem=~', 'whole home folder'),
        ('--filesystem=host', 'whole host'),
        ('--filesystem=host-etc', 'whole host'),
        ('--filesystem=/', 'whole host'),
        ('--filesystem=xdg-documents', 'file-chooser portal'),
        ('--socket=session-bus', 'too broad'),
        ('--device=all', 'too broad'),
        ('--talk-name=org.freedesktop.Flatpak', 'too broad'),
        ('--talk-name=org.freedesktop.Notifications', 'portals'),
        ('--talk-name=org.freedesktop.FileManager1', 'portals'),
        ('--talk-name=org.freedesktop.portal.*', 'portals'),
        ('--own-name=org.example.Other', 'does not use'),
        ('--system-talk-name=org.freedesktop.NetworkManager', 'does not use'),
        ('--system-talk-name=org.freedesktop.secrets', 'does not use'),
        ('--share=network', 'listed twice'),
    )

    def test_added_args(self):
        for arg, words in self.ADDED_ARGS:
            with self.subTest(arg=arg):
                self.manifest = self.real_manifest()
                self.manifest['finish-args'].append(arg)
                self.assert_fails(arg, words)

    def test_x11_beside_wayland(self):
        self.replace_arg('--socket=fallback-x11', '--socket=x11')
        self.assert_fails('use --socket=fallback-x11', '--socket=fallback-x11 is missing')

    def test_secrets_is_the_keyring_fallback(self):
        self.assertIn('--talk-name=org.freedesktop.secrets', self.manifest['finish-args'])

    # What the app needs

    def test_no_network(self):
        self.replace_arg('--share=network', None)
        self.assert_fails('--share=network is missing')

    def test_no_sound(self):
        self.replace_arg('--socket=pulseaudio', None)
        self.assert_fails('--socket=pulseaudio is missing')

    # Codecs from the runtime

    def test_ffmpeg_full_extension(self):
        self.manifest['add-extensions'] = {
            'org.freedesktop.Platform.ffmpeg-full': {
                'directory': 'lib/ffmpeg', 'version': '24.08', 'add-ld-path': '.',
            },
        }
        self.assert_fails('org.freedesktop.Platform.ffmpeg-full', 'codecs-extra')

    def test_ffmpeg_module(self):
        self.manifest['modules'].insert(0, {
            'name': 'ffmpeg',
            'buildsystem': 'autotools',
            'sources': [{'type': 'archive', 'url': 'https://ffmpeg.org/releases/ffmpeg-7.1.tar.xz',
                         'sha256': '0' * 64}],
        })
        self.assert_fails('module ffmpeg builds codecs')

    def test_nested_codec_module(self):
        self.manifest['modules'][-1]['modules'] = [{'name': 'gst-libav', 'buildsystem': 'meson',
                                                    'sources': []}]
        self.assert_fails('module gst-libav builds codecs')

    # The runtime and the app module

    def test_old_runtime_number(self):
        self.manifest['runtime-version'] = 49
        self.assert_fails('"runtime-version" must be a non-empty string')

    def test_freedesktop_runtime(self):
        self.manifest['runtime'] = 'org.freedesktop.Platform'
        self.assert_fails('"runtime" is')

    def test_app_not_last(self):
        self.manifest['modules'].append({'name': 'extra', 'buildsystem': 'simple',
                                         'build-commands': ['true'], 'sources': []})
        self.assert_fails('must use "buildsystem": "meson"')

    def test_line_comment(self):
        text = json.dumps(self.manifest, indent=2).replace(
            '"finish-args": [', '"finish-args": [ // not read by json-glib\n', 1)
        self.assert_fails('not valid JSON', text=text)

    def test_unclosed_comment(self):
        text = json.dumps(self.manifest, indent=2).replace('"finish-args"', '/* "finish-args"', 1)
        self.assert_fails('not closed', text=text)


if __name__ == '__main__':
    if len(sys.argv) < 3:
        sys.exit(f'usage: {sys.argv[0]} CHECKER MANIFEST')
    CHECKER = os.path.abspath(sys.argv[1])
    load_checker()
    with open(sys.argv[2], encoding='utf-8') as f:
        MANIFEST_TEXT = f.read()
    unittest.main(argv=[sys.argv[0], '-v'])
