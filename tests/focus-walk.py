#!/usr/bin/python3
# Focus that a person can see and leave (issue 10): Tab goes round the
# whole window with a task open and comes back to where it started, so
# nothing holds the focus; at every stop the focused control is on
# screen, and it looks different while it has the focus (its focus ring)
# from how it looks once Tab has moved on. The same for Preferences.
# Real key presses (xdotool) on the Xvfb window, pixels read back with
# ImageMagick's import, the focus read over AT-SPI.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# No blinking text cursor: a focused text then changes only when the focus does.
_config = tempfile.mkdtemp(prefix='dailies-focus-')
os.makedirs(os.path.join(_config, 'gtk-4.0'))
with open(os.path.join(_config, 'gtk-4.0', 'settings.ini'), 'w') as settings:
    settings.write('[Settings]\ngtk-cursor-blink=false\n')
os.environ['XDG_CONFIG_HOME'] = _config

from atspi_app import (App, check, done, find, has_state, name_of, playing_player,  # noqa: E402
                       wait_until, walk, window_closed)

import pyatspi  # noqa: E402  (after atspi_app, which skips when it is missing)

for tool in ('xdotool', 'import'):
    if shutil.which(tool) is None:
        if os.environ.get('CI') == 'true':
            print('Bail out! %s is not installed' % tool)
            sys.exit(1)
        print('1..0 # SKIP %s is not installed' % tool)
        sys.exit(0)

# A focus ring is drawn around (or just inside) a control: look this far
# beyond the box AT-SPI gives, which for a button is its label's.
RING_MARGIN = 12
# Tab stops in a window before we call the focus trapped.
MAX_STOPS = 80
# GTK hides the focus ring 3 s after the last key press or release
# (VISIBLE_FOCUS_DURATION in gtkwindow.c; its timer has whole seconds and
# may fire early), and a walk over AT-SPI can take that long on a busy
# machine: a capture that is to show a ring is taken this soon after the
# key, before any walk.
RING_SHOWN_FOR = 2.0


def run(*args):
    return subprocess.run(list(args), check=True, timeout=20, capture_output=True).stdout


def key(*keys):
    run('xdotool', 'key', '--clearmodifiers', *keys)


app = App(sys.argv)


def x_window(title):
    return run('xdotool', 'search', '--sync', '--onlyvisible', '--name', '^%s$' % title).split()[0].decode()


class Shot:
    """One capture of an X window as raw RGB."""

    def __init__(self, window):
        geometry = dict(line.split('=') for line in
                        run('xdotool', 'getwindowgeometry', '--shell', window).decode().split())
        self.width, self.height = int(geometry['WIDTH']), int(geometry['HEIGHT'])
        self.pixels = run('import', '-silent', '-window', window, '-depth', '8', 'rgb:-')
        check_size = len(self.pixels) == self.width * self.height * 3
        if not check_size:
            check(False, 'a capture of %dx%d has %d bytes' % (self.width, self.height, len(self.pixels)))

    def save(self, path, rect):
        """Writes the capture with @rect outlined, to look at by eye."""
        x, y, w, h = rect
        subprocess.run(['convert', '-size', '%dx%d' % (self.width, self.height), '-depth', '8', 'rgb:-',
                        '-fill', 'none', '-stroke', 'red', '-draw',
                        'rectangle %d,%d %d,%d' % (x, y, x + w - 1, y + h - 1), path],
                       input=self.pixels, check=True, timeout=20)

    def differing(self, other, rect, leave_out=None):
        """How many pixels of @rect (x, y, w, h) differ between the shots,
        not counting those inside @leave_out."""
        x, y, w, h = rect
        n = 0
        for row in range(y, y + h):
            start = (row * self.width + x) * 3
            a = self.pixels[start:start + w * 3]
            b = other.pixels[start:start + w * 3]
            if a == b:
                continue
            for i in range(0, w * 3, 3):
                if a[i:i + 3] == b[i:i + 3]:
                    continue
                if leave_out is not None:
                    lx, ly, lw, lh = leave_out
                    if lx <= x + i // 3 < lx + lw and ly <= row < ly + lh:
                        continue
                n += 1
        return n


def settled_shot(window, deadline=10, still=0.2, first=None):
    """A capture once the window has stopped changing (transitions end):
    the same for `still` seconds, not just two captures in a row, which a
    frame late on a busy machine (the ring not drawn yet) could pass.
    At the deadline, the last capture."""
    end = time.monotonic() + deadline
    previous = first if first is not None else Shot(window)
    since = time.monotonic()
    while time.monotonic() < end:
        shot = Shot(window)
        if shot.pixels != previous.pixels:
            since = time.monotonic()
        elif time.monotonic() - since >= still:
            return shot
        previous = shot
    return previous


def shot_after_key(window, keys, previous=None):
    """Presses @keys and captures the window once their effect is drawn
    (a change from @previous, if given) and it has settled, or at the
    latest RING_SHOWN_FOR seconds after the key, while the ring shows."""
    pressed = time.monotonic()
    key(*keys)
    end = pressed + RING_SHOWN_FOR
    shot = Shot(window)
    while previous is not None and shot.pixels == previous.pixels and time.monotonic() < end:
        shot = Shot(window)
    return settled_shot(window, deadline=max(0.0, end - time.monotonic()), first=shot)


def focused(root):
    for node in walk(root):
        # libadwaita 1.2's view switcher marks the tab of the page shown
        # as focused, even where it is hidden (Preferences has one page).
        if node.getRoleName() == 'page tab':
            continue
        if has_state(node, pyatspi.STATE_FOCUSED):
            return node
    return None


def describe(node):
    return '%s %r' % (node.getRoleName(), name_of(node))


def ring_rect(node, frame, shot):
    """The control's box, grown by the ring margin, in the X window's pixels.
    AT-SPI gives it relative to the frame, which GTK centres in its
    window (the rest is the border it resizes by)."""
    x, y, w, h = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    fx, fy, fw, fh = frame.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    ox, oy = (shot.width - fw) // 2, (shot.height - fh) // 2
    left, top = max(0, x + ox - RING_MARGIN), max(0, y + oy - RING_MARGIN)
    right = min(shot.width, x + ox + w + RING_MARGIN)
    bottom = min(shot.height, y + oy + h + RING_MARGIN)
    return left, top, max(0, right - left), max(0, bottom - top)


def on_screen(node, frame):
    """A box inside the frame's: not hidden, not scrolled away. (GTK 4.8
    leaves the showing state off list rows, so the box tells.)"""
    x, y, w, h = node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    fx, fy, fw, fh = frame.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    return w > 0 and h > 0 and x >= fx and y >= fy and x + w <= fx + fw and y + h <= fy + fh


def tab_round(frame, window, where):
    """Tabs from the focused control until the focus comes back to it.
    Returns the stops, each checked on screen and drawn with a ring.
    GTK 4.8 does not tell AT-SPI about the focus in a libadwaita entry
    row; at such a stop the window as a whole must change as Tab leaves."""
    start = wait_until(lambda: focused(frame), 10, 'something has the focus in %s' % where)
    # Back and forth, so that the first capture, too, follows a key.
    before = shot_after_key(window, ('shift+Tab', 'Tab'))
    check(focused(frame) == start, '%s: Shift+Tab and Tab come back to %s' % (where, describe(start)))
    stops = []
    current = start
    for _ in range(MAX_STOPS):
        if current is not None:
            check(on_screen(current, frame), '%s: %s is on screen (at %s in %s)'
                  % (where, describe(current), current.queryComponent().getExtents(pyatspi.WINDOW_COORDS),
                     frame.queryComponent().getExtents(pyatspi.WINDOW_COORDS)))
            rect = ring_rect(current, frame, before)
            box = current.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
            name = describe(current)
        else:
            rect = (0, 0, before.width, before.height)
            name = 'a control AT-SPI cannot see'
        after = shot_after_key(window, ('Tab',), before)

        def moved():
            node = focused(frame)
            if current is not None:
                return (node,) if node != current else None
            return (node,) if node is not None or Shot(window).pixels != before.pixels else None
        after_node = wait_until(moved, 10, '%s: Tab moves on from %s' % (where, name))[0]
        # The next control's ring, drawn now, is not this one's: a stop
        # beside it must show a ring of its own. (Where the view scrolled
        # the next one into this one's place, the whole place changes.)
        leave_out = None
        if current is not None and after_node is not None:
            ax, ay, aw, ah = box
            bx, by, bw, bh = after_node.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
            if ax + aw <= bx or bx + bw <= ax or ay + ah <= by or by + bh <= ay:
                leave_out = ring_rect(after_node, frame, after)
        changed = before.differing(after, rect, leave_out)
        # A ring is at least a line along half the control's edges, or
        # 100 pixels (a slider rings its knob, not the whole trough).
        needed = min(100, max(12, (rect[2] + rect[3]) // 2))
        if os.environ.get('FOCUS_WALK_SHOTS'):
            before.save(os.path.join(os.environ['FOCUS_WALK_SHOTS'], '%s-%02d.png' % (where, len(stops))), rect)
        check(changed >= needed, '%s: %s shows its focus (%d pixels change as it leaves, at least %d; '
              'looked at %s, not at %s)' % (where, name, changed, needed, rect, leave_out))
        stops.append(name)
        current, before = after_node, after
        if current == start:
            return stops
    check(False, '%s: Tab came back to %s within %d stops (trapped: %s)'
          % (where, describe(start), MAX_STOPS, ', '.join(stops[-8:])))


# A finished task, open, its video played to the end: a still window.
wait_until(lambda: len(app.rows()) == 10, 30, 'the ten demo tasks are listed')
window = x_window('Dailies')
run('xdotool', 'windowfocus', '--sync', window)
# The pointer away from the window: no hover effect in the captures.
run('xdotool', 'mousemove', '1270', '790')
frame = app.frame()
# The first row, once it has succeeded: the list's keyboard focus starts
# there, and a row still running would change its pixels with or
# without a ring.
done_row = wait_until(lambda: [r for r in app.rows()[:1] if r.description.startswith('Succeeded')],
                      90, 'the first task has succeeded')[0]
tasks = app.task_list()
index = [i for i, r in enumerate(tasks) if r is not None and r.name == done_row.name][0]
tasks.querySelection().selectChild(index)
player = playing_player(frame)
wait_until(lambda: find(player, 'push button', name='Play'), 30, 'and comes to its end (the button reads Play)')

# Keyboard use starts with a key: into the list.
for _ in range(30):
    if (lambda n: n is not None and n.getRoleName() == 'list item')(focused(frame)):
        break
    key('Tab')
wait_until(lambda: (lambda n: n is not None and n.getRoleName() == 'list item')(focused(frame)),
           5, 'Tab reaches the list')
stops = tab_round(frame, window, 'the main window')
check(stops[0].startswith('list item '), 'the round starts in the list (%d stops)' % len(stops))
for control in ("push button 'Add Task IDs'", "push button 'Main Menu'", "filler 'Video Player'",
                "push button 'Save As…'", "push button 'Copy Details'", "list item 'HTTP status'"):
    check(control in stops, 'the round passes %s' % control)

# Shift+Tab goes round the other way: one press goes back to the last stop.
start = focused(frame)
key('shift+Tab')
wait_until(lambda: (lambda n: n is not None and describe(n) == stops[-1])(focused(frame)),
           5, 'Shift+Tab goes back to %s' % stops[-1])
key('Tab')
wait_until(lambda: focused(frame) == start, 5, 'and Tab forward again')

# Preferences: the same round, and Escape gives the focus back.
key('ctrl+comma')
prefs = wait_until(lambda: [f for f in app.app if f is not None and f.name == 'Preferences'], 10,
                   'Ctrl+comma opens Preferences')[0]
prefs_window = x_window('Preferences')
run('xdotool', 'mousemove', '1270', '790')
# From the first control AT-SPI can see: the API address's entry row is not one.
for _ in range(10):
    if focused(prefs) is not None:
        break
    key('Tab')
    settled_shot(prefs_window)
tab_round(prefs, prefs_window, 'Preferences')
check(not window_closed(prefs), 'Preferences shows')
key('Escape')
wait_until(lambda: window_closed(prefs), 10, 'Escape closes Preferences')
# Xvfb has no window manager to give the main window the keyboard back.
run('xdotool', 'windowfocus', '--sync', window)
key('Tab')
wait_until(lambda: focused(frame) is not None, 10, 'back in the main window, Tab moves the focus again')

app.stop()
shutil.rmtree(_config, ignore_errors=True)
done()
