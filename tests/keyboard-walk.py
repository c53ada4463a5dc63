#!/usr/bin/python3
# Keyboard alone (issue 10): add an ID, move through the list, open a
# task, play, pause and seek, save, open Preferences and quit, with real
# key presses (xdotool) on the Xvfb window; each step's effect is read
# back over AT-SPI. Tab never gets stuck in the list or the player.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from atspi_app import App, check, done, find, has_state, name_of, wait_until, walk  # noqa: E402

import pyatspi  # noqa: E402  (after atspi_app, which skips when it is missing)

if shutil.which('xdotool') is None:
    if os.environ.get('CI') == 'true':
        print('Bail out! xdotool is not installed')
        sys.exit(1)
    print('1..0 # SKIP xdotool is not installed')
    sys.exit(0)

NEW_ID = 'asyntask_KeyboardWalk' + '0' * 19 + '7'


def xdotool(*args):
    subprocess.run(['xdotool'] + list(args), check=True, timeout=20)


def key(*keys):
    xdotool('key', '--clearmodifiers', *keys)


app = App(sys.argv)
wait_until(lambda: len(app.rows()) == 10, 30, 'the ten demo tasks are listed')
window = subprocess.run(['xdotool', 'search', '--sync', '--onlyvisible', '--name', '^Dailies$'],
                        capture_output=True, text=True, timeout=20, check=True).stdout.split()[0]
xdotool('windowfocus', '--sync', window)


def focused():
    # Each window keeps its focus widget; the newest window has the keys.
    for window in reversed([w for w in app.app if w is not None]):
        for node in walk(window):
            if has_state(node, pyatspi.STATE_FOCUSED):
                return node
    return None


def focused_is(role, name=None):
    node = focused()
    return node is not None and node.getRoleName() == role and (name is None or name_of(node) == name)


def tab_until(condition, what, limit=25, keys=('Tab',)):
    for _ in range(limit):
        if condition():
            return
        key(*keys)
    wait_until(condition, 5, what)


def inside(node, ancestor):
    while node is not None:
        if node == ancestor:
            return True
        node = node.parent
    return False


# Ctrl+N asks for IDs; typing goes into the text; Tab leaves it for the
# buttons rather than typing a tab; Alt+A adds.
key('ctrl+n')
wait_until(lambda: focused_is('text', 'Task IDs'), 10, 'Ctrl+N opens Add Task IDs with the text focused')
xdotool('type', '--delay', '5', NEW_ID)
key('Tab')
wait_until(lambda: focused_is('push button'), 5, 'Tab leaves the text for a button')
key('alt+a')
wait_until(lambda: any(r.name == NEW_ID for r in app.rows()), 10, 'Alt+A adds the typed ID to the list')
check(len(app.rows()) == 11, 'eleven tasks listed')

# Into the list, then through it with the arrows, to a finished task.
wait_until(lambda: [r for r in app.rows() if r.description.startswith('Succeeded')], 90, 'a task has succeeded')
tab_until(lambda: focused_is('list item'), 'Tab reaches the list')
names = [r.name for r in app.rows()]
target = [r.name for r in app.rows() if r.description.startswith('Succeeded')][0]
start = names.index(name_of(focused()))
for _ in range(abs(names.index(target) - start)):
    key('Down' if names.index(target) > start else 'Up')
wait_until(lambda: focused_is('list item', target), 5, 'the arrows move to %s' % target)
key('Return')
wait_until(lambda: [r for r in app.rows() if r.name == target and has_state(r, pyatspi.STATE_SELECTED)],
           10, 'Return opens the task')
frame = app.frame()
pause = wait_until(lambda: find(frame, 'push button', name='Pause'), 30, 'its video plays')

# Tab leaves the list at once, not row by row.
key('Tab')
wait_until(lambda: focused() is not None and not focused_is('list item'), 5, 'one Tab leaves the list')

# The player: Space pauses, Right seeks forward.
player = find(frame, 'filler', name='Video Player')
check(player is not None, 'the player has a name')
tab_until(lambda: focused() == player, 'Tab reaches the player')
key('space')
wait_until(lambda: find(frame, 'push button', name='Play'), 10, 'Space pauses (the button reads Play)')
# The demo clip lasts 4 s: Left goes 5 s back, to its start.
position = find(frame, 'slider', name='Position').queryValue()
key('Left')
wait_until(lambda: position.currentValue < 0.5, 10, 'Left seeks back to the start')
key('space')
wait_until(lambda: find(frame, 'push button', name='Pause'), 10, 'Space plays again')
key('space')
wait_until(lambda: find(frame, 'push button', name='Play'), 10, 'Space pauses')
back = position.currentValue
key('Right')
wait_until(lambda: position.currentValue > back + 0.5, 10,
           'Right seeks on (from %g of %g)' % (back, position.maximumValue))
tab_until(lambda: focused() is not None and not inside(focused(), player), 'Tab leaves the player')

# Ctrl+S asks where to save; Escape closes the dialog.
key('ctrl+s')
wait_until(lambda: [f for f in app.app if f is not None and f.name == 'Save Video'], 10, 'Ctrl+S asks where to save')
key('Escape')
wait_until(lambda: not [f for f in app.app if f is not None and f.name == 'Save Video'], 10, 'Escape closes it')

# Ctrl+comma opens Preferences, whose controls say what they set.
key('ctrl+comma')
prefs = wait_until(lambda: [f for f in app.app if f is not None and f.name == 'Preferences'], 10,
                   'Ctrl+comma opens Preferences')[0]
check(find(prefs, 'spin button', name='Check every, in seconds') is not None, 'the interval says its unit')
check(find(prefs, 'spin button', name='Requests at once') is not None, 'the request limit has a name')


def region(name):
    return find(prefs, 'push button', name=name) or find(prefs, 'toggle button', name=name)


def pressed(name):
    return has_state(region(name), pyatspi.STATE_PRESSED)


# The setting holds the default, Global (the demo's server only stands
# in for it): that shortcut reads as the one in use.
check(region('Global') is not None and region('China') is not None, 'the region shortcuts have names')
check(pressed('Global') and not pressed('China'), 'Global reads as pressed, China not')
tab_until(lambda: focused() == region('China'), 'Tab reaches China')
key('space')
wait_until(lambda: pressed('China') and not pressed('Global'), 5, 'Space picks China, which then reads as pressed')
check(not [n for n in walk(prefs) if n.getRoleName() == 'push button' and '_' in n.name],
      'no raw mnemonic in the Preferences buttons')
key('Escape')
wait_until(lambda: not [f for f in app.app if f is not None and f.name == 'Preferences'], 10,
           'Escape closes Preferences')

# Ctrl+Q quits.
key('ctrl+q')
app.process.wait(15)
check(app.process.returncode == 0, 'Ctrl+Q quits cleanly')
done()
