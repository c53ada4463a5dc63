#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Checks the Flatpak manifest offline, since no GNOME runtime can be had in CI:
# JSON as flatpak-builder reads it, the right ids, the GNOME runtime, codecs
# from the runtime, no sandbox holes and no D-Bus names beyond what the app
# uses, local sources that exist, and the app module last and built with
# meson. Run by meson test, with negative tests beside it.
#
#   check-flatpak-manifest.py [--app-id ID] [--command CMD] MANIFEST
#
# Prints every problem found and exits 1 if there was any.

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

RUNTIME = 'org.gnome.Platform'
SDK = 'org.gnome.Sdk'

# Permissions that open the sandbox far wider than a task tracker needs.
# Saving goes through the file-chooser portal; local copies go to
# xdg-videos/Dailies only.
FORBIDDEN_FILESYSTEMS = ('home', 'host', 'host-os', 'host-etc', '~', '/')
HOME_FILESYSTEMS = ('home', '~')
FORBIDDEN_ARGS = (
    '--device=all',
    '--socket=session-bus',
    '--socket=system-bus',
    '--talk-name=org.freedesktop.Flatpak',
)
# Folders the app writes to: local copies go to ~/Videos/Dailies by default.
# Anything else the user picks comes through the file-chooser portal.
ALLOWED_FILESYSTEMS = ('xdg-videos/Dailies',)

# What the app cannot run without: the API, a display (Wayland, X11 only as a
# fallback, with the shared memory X11 needs) and the player's sound.
REQUIRED_ARGS = (
    '--share=network',
    '--socket=wayland',
    '--socket=fallback-x11',
    '--share=ipc',
    '--socket=pulseaudio',
)

# The only D-Bus name the app may talk to directly. Everything else it uses
# goes through portals, which need no permission: GNotification (the
# Notification portal), GtkFileChooserNative (FileChooser), Open Folder
# (OpenURI), GNetworkMonitor (NetworkMonitor), dropped and pasted files
# (FileTransfer, Documents).
ALLOWED_TALK_NAMES = {
    # libsecret >= 0.20 (the GNOME 49 runtime has 0.21) keeps the key in a
    # file of its own inside the sandbox, encrypted with a secret from the
    # Secret portal, whenever that portal answers (GNOME with gnome-keyring,
    # Plasma 6 with KWallet). Where no desktop portal implements Secret
    # (Xfce, MATE, Cinnamon, older Plasma, or a GNOME Keyring outside GNOME),
    # libsecret falls back to the Secret Service on the session bus, and
    # without this name the key could not be kept at all.
    'org.freedesktop.secrets',
}

# From freedesktop-sdk 25.08 (GNOME 49) the runtime installs the codecs-extra
# extension itself (H.264, AAC, ...); these are obsolete or redundant there.
OBSOLETE_EXTENSIONS = (
    'org.freedesktop.Platform.ffmpeg-full',
    'org.freedesktop.Platform.openh264',
)
# Codecs come from the runtime's extension, never built into the app: the
# extension is shared, updated with the runtime and licensed for it.
CODEC_MODULE_WORDS = ('ffmpeg', 'libav', 'x264', 'x265', 'openh264', 'fdk-aac', 'gst-libav')


def strip_block_comments(text):
    """flatpak-builder reads JSON with json-glib, which allows /* */
    comments (but not // ones); Python's json does not."""
    out = []
    i = 0
    in_string = False
    while i < len(text):
        c = text[i]
        if in_string:
            out.append(c)
            if c == '\\' and i + 1 < len(text):
                out.append(text[i + 1])
                i += 1
            elif c == '"':
                in_string = False
        elif c == '"':
            in_string = True
            out.append(c)
        elif text.startswith('/*', i):
            end = text.find('*/', i + 2)
            if end < 0:
                raise ValueError('a /* comment is not closed')
            if '/*' in text[i + 2:end]:
                # json-glib stops there; flatpak-builder would fail.
                raise ValueError('a comment holds /*, which flatpak-builder cannot read')
            # Keep the line numbers of errors right.
            out.append('\n' * text.count('\n', i, end))
            i = end + 2
            continue
        else:
            out.append(c)
        i += 1
    return ''.join(out)


class Checker:
    def __init__(self, manifest_path):
        self.path = manifest_path
        self.base = os.path.dirname(os.path.abspath(manifest_path))
        self.errors = []

    def error(self, message):
        self.errors.append(message)

    def load(self):
        try:
            with open(self.path, encoding='utf-8') as f:
                return json.loads(strip_block_comments(f.read()))
        except OSError as e:
            self.error(f'cannot read the manifest: {e.strerror}')
        except ValueError as e:
            # JSONDecodeError is a ValueError. flatpak-builder's JSON parser
            # is strict too: no trailing commas, no // comments.
            if isinstance(e, json.JSONDecodeError):
                self.error(f'not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}')
            elif isinstance(e, UnicodeDecodeError):
                self.error(f'not UTF-8: {e}')
            else:
                self.error(f'not valid JSON: {e}')
        return None

    def check_ids(self, manifest, app_id, command):
        ids = {key: manifest[key] for key in ('id', 'app-id') if key in manifest}
        if not ids:
            self.error('no "id" (or "app-id") key')
        for key, value in ids.items():
            if value != app_id:
                self.error(f'"{key}" is {value!r}, expected {app_id!r}')

        expected_name = app_id + '.json'
        if os.path.basename(self.path) != expected_name:
            self.error(f'the manifest file should be named {expected_name}')

        if manifest.get('command') != command:
            self.error(f'"command" is {manifest.get("command")!r}, expected {command!r}')

    def check_runtime(self, manifest):
        if manifest.get('runtime') != RUNTIME:
            self.error(f'"runtime" is {manifest.get("runtime")!r}, expected {RUNTIME!r}')
        if manifest.get('sdk') != SDK:
            self.error(f'"sdk" is {manifest.get("sdk")!r}, expected {SDK!r}')

        version = manifest.get('runtime-version')
        if not isinstance(version, str) or not version:
            # A bare number is rejected by flatpak-builder.
            self.error(f'"runtime-version" must be a non-empty string, not {version!r}')
            return

        extensions = manifest.get('add-extensions', {})
        if not isinstance(extensions, dict):
            self.error('"add-extensions" must be an object')
        elif version.isdigit() and int(version) >= 49:
            for name in OBSOLETE_EXTENSIONS:
                if name in extensions:
                    self.error(f'"add-extensions" declares {name}, which GNOME {version} '
                               'replaces with the codecs-extra extension it installs itself')

    def check_no_codec_modules(self, modules, where='modules'):
        if not isinstance(modules, list):
            return
        for module in modules:
            if not isinstance(module, dict):
                continue
            name = module.get('name')
            if isinstance(name, str) and any(w in name.lower() for w in CODEC_MODULE_WORDS):
                self.error(f'{where}: module {name} builds codecs into the app; '
                           'they come from the runtime\'s codecs-extra extension')
            self.check_no_codec_modules(module.get('modules'), f'module {name}: modules')

    def check_finish_args(self, manifest):
        args = manifest.get('finish-args', [])
        if not isinstance(args, list) or not all(isinstance(a, str) for a in args):
            self.error('"finish-args" must be a list of strings')
            return

        seen = set()
        for arg in args:
            if arg in seen:
                self.error(f'finish-arg {arg} is listed twice')
            seen.add(arg)

            if arg in FORBIDDEN_ARGS:
                self.error(f'finish-arg {arg} is too broad')

            if arg == '--socket=x11':
                self.error('finish-arg --socket=x11 keeps X11 open beside Wayland; '
                           'use --socket=fallback-x11')

            if arg.startswith('--filesystem='):
                location = arg[len('--filesystem='):]
                # Drop the :ro / :rw / :create suffix and trailing slashes.
                root = location.rsplit(':', 1)[0] if ':' in location else location
                root = root.rstrip('/') or '/'
                if root in FORBIDDEN_FILESYSTEMS:
                    what = 'home folder' if root in HOME_FILESYSTEMS else 'host'
                    self.error(f'finish-arg {arg} gives access to the whole {what}; '
                               'use a portal or a narrow xdg-* folder')
                elif root not in ALLOWED_FILESYSTEMS:
                    self.error(f'finish-arg {arg}: the app writes only to '
                               f'{", ".join(ALLOWED_FILESYSTEMS)}; other folders come '
                               'through the file-chooser portal')

            for option in ('--talk-name=', '--own-name=', '--system-talk-name=', '--system-own-name='):
                if arg.startswith(option):
                    name = arg[len(option):]
                    if option != '--talk-name=' or name not in ALLOWED_TALK_NAMES:
                        self.error(f'finish-arg {arg}: the app does not use {name} '
                                   'directly; notifications, files and links go through portals')

        for arg in REQUIRED_ARGS:
            if arg not in seen:
                self.error(f'finish-arg {arg} is missing, and the app needs it')

    def check_local_path(self, owner, kind, rel_path):
        if not isinstance(rel_path, str) or not rel_path:
            self.error(f'{owner}: {kind} source has no "path"')
            return None
        if os.path.isabs(rel_path):
            self.error(f'{owner}: {kind} source path {rel_path} must be relative to the manifest')
            return None
        full = os.path.normpath(os.path.join(self.base, rel_path))
        exists = os.path.isdir(full) if kind == 'dir' else os.path.isfile(full)
        if not exists:
            what = 'directory' if kind == 'dir' else 'file'
            self.error(f'{owner}: {kind} source path {rel_path} is not an existing {what} '
                       'relative to the manifest')
            return None
        return full

    def check_sources(self, owner, sources):
        if not isinstance(sources, list):
            self.error(f'{owner}: "sources" must be a list')
            return []
        dirs = []
        for source in sources:
            if isinstance(source, str):
                # A path to a JSON file holding more sources.
                self.check_local_path(owner, 'file', source)
                continue
            if not isinstance(source, dict):
                self.error(f'{owner}: a source must be an object or a path')
                continue
            kind = source.get('type')
            if kind == 'dir':
                full = self.check_local_path(owner, kind, source.get('path'))
                if full:
                    dirs.append((source['path'], full))
            elif kind == 'file':
                if 'url' not in source:
                    self.check_local_path(owner, kind, source.get('path'))
            elif kind == 'patch':
                paths = source.get('paths') or [source.get('path')]
                if isinstance(paths, str):
                    paths = [paths]
                for p in paths:
                    self.check_local_path(owner, kind, p)
            elif kind is None:
                self.error(f'{owner}: a source has no "type"')
        return dirs

    def check_modules(self, modules, where='modules'):
        """Checks a module list; returns (name, module, dir sources) for the
        last module when it is written inline, else None."""
        if not isinstance(modules, list) or not modules:
            self.error(f'"{where}" must be a non-empty list')
            return None
        last = None
        for i, module in enumerate(modules):
            if isinstance(module, str):
                # A path to a JSON file holding one module.
                self.check_local_path(f'{where}[{i}]', 'file', module)
                last = None
                continue
            if not isinstance(module, dict):
                self.error(f'{where}[{i}] must be an object or a path')
                continue
            name = module.get('name')
            if not isinstance(name, str) or not name:
                self.error(f'{where}[{i}] has no "name"')
                name = f'{where}[{i}]'
            dirs = self.check_sources(f'module {name}', module.get('sources', []))
            if 'modules' in module:
                self.check_modules(module['modules'], f'module {name}: modules')
            last = (name, module, dirs)
        return last

    def check_app_module(self, last):
        if last is None:
            self.error('the last module must be the app, written inline in the manifest')
            return
        name, module, dirs = last
        if module.get('buildsystem') != 'meson':
            self.error(f'the last module ({name}) must use "buildsystem": "meson", '
                       f'not {module.get("buildsystem")!r}')
        for rel_path, full in dirs:
            if not os.path.isfile(os.path.join(full, 'meson.build')):
                self.error(f'the last module ({name}) builds {rel_path}, which has no meson.build')

    def check_with_flatpak_builder(self):
        """When flatpak-builder is installed, let it parse the manifest too: it
        knows every property name, and only warns on unknown ones."""
        builder = shutil.which('flatpak-builder')
        if builder is None:
            return
        try:
            # It leaves a .flatpak-builder folder where it runs.
            with tempfile.TemporaryDirectory() as cwd:
                result = subprocess.run([builder, '--show-manifest', os.path.abspath(self.path)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                        text=True, timeout=60, cwd=cwd)
        except (OSError, subprocess.TimeoutExpired) as e:
            self.error(f'flatpak-builder --show-manifest did not run: {e}')
            return
        messages = [line for line in result.stderr.splitlines() if line.strip()]
        if result.returncode != 0:
            self.error('flatpak-builder --show-manifest failed: ' + ' / '.join(messages))
        else:
            for line in messages:
                if 'Unknown property' in line:
                    self.error('flatpak-builder: ' + line[line.index('Unknown property'):])

    def run(self, app_id, command):
        manifest = self.load()
        if manifest is None:
            return
        if not isinstance(manifest, dict):
            self.error('the top level must be a JSON object')
            return
        self.check_ids(manifest, app_id, command)
        self.check_runtime(manifest)
        self.check_finish_args(manifest)
        modules = manifest.get('modules')
        last = self.check_modules(modules)
        if isinstance(modules, list) and modules:
            self.check_app_module(last)
        self.check_no_codec_modules(modules)
        self.check_with_flatpak_builder()


def main():
    parser = argparse.ArgumentParser(description='Check a Flatpak manifest offline.')
    parser.add_argument('--app-id', default='io.github.dailies.Dailies')
    parser.add_argument('--command', default='dailies')
    parser.add_argument('manifest')
    options = parser.parse_args()

    checker = Checker(options.manifest)
    checker.run(options.app_id, options.command)

    name = os.path.basename(options.manifest)
    if checker.errors:
        for message in checker.errors:
            print(f'{name}: error: {message}', file=sys.stderr)
        print(f'{name}: {len(checker.errors)} problem(s) found', file=sys.stderr)
        return 1

    print(f'{name}: OK')
    return 0


if __name__ == '__main__':
    sys.exit(main())
