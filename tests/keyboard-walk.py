#!/usr/bin/python3
# Keyboard alone (issue 10): add an ID, move through the list, open a
# task, play, pause and seek, save the video to a file, open Export, the
# Remove confirmation, Preferences and the API key dialog, and quit, with
# real key presses (xdotool) on the Xvfb window; each step's effect is
# read back over AT-SPI (and the saved file from the disk). Tab never
# gets stuck in the list or the player. Every window and dialog opened
# has a name for each of its controls.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from atspi_app import (App, check, check_names, done, find, has_state, name_of, playing_player,  # noqa: E402
                       shown_text, wait_until, walk, window_closed)

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


def focus_window(title):
    """What a window manager does; there is none under Xvfb."""
    window = subprocess.run(['xdotool', 'search', '--sync', '--onlyvisible', '--name', '^%s$' % title],
                            capture_output=True, text=True, timeout=20, check=True).stdout.split()[0]
    xdotool('windowfocus', '--sync', window)


app = App(sys.argv)
wait_until(lambda: len(app.rows()) == 10, 30, 'the ten demo tasks are listed')
focus_window('Dailies')


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


def window_named(name, role=None):
    return [w for w in app.app if w is not None and w.name == name and (role is None or w.getRoleName() == role)]


def new_dialog(known):
    """The dialog that has opened since @known (a window list) was taken."""
    return [w for w in app.app if w is not None and w.getRoleName() == 'dialog' and w not in known]


def close_with_escape(window, what):
    check(not window_closed(window), what + ' shows')
    key('Escape')
    wait_until(lambda: window_closed(window), 10, 'Escape closes ' + what)


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
check_names(window_named('Add Task IDs', 'dialog')[0], 'Add Task IDs')
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
player = playing_player(frame)

# Tab leaves the list at once, not row by row.
key('Tab')
wait_until(lambda: focused() is not None and not focused_is('list item'), 5, 'one Tab leaves the list')

# The player: Space pauses, Right seeks forward.
tab_until(lambda: focused() == player, 'Tab reaches the player')
key('space')
wait_until(lambda: find(player, 'push button', name='Play'), 10, 'Space pauses (the button reads Play)')
# The demo clip lasts 4 s: Left goes 5 s back, to its start.
position = find(frame, 'slider', name='Position').queryValue()
key('Left')
wait_until(lambda: position.currentValue < 0.5, 10, 'Left seeks back to the start')
key('space')
wait_until(lambda: find(player, 'push button', name='Pause'), 10, 'Space plays again')
key('space')
wait_until(lambda: find(player, 'push button', name='Play'), 10, 'Space pauses')
back = position.currentValue
key('Right')
wait_until(lambda: position.currentValue > back + 0.5, 10,
           'Right seeks on (from %g of %g)' % (back, position.maximumValue))

# M mutes: the Volume button then reads "Muted" (its description, which is
# otherwise its tooltip); M again brings the sound back.
def volume_muted():
    return any(n.description == 'Muted' for n in walk(frame) if name_of(n) == 'Volume')


check(not volume_muted(), 'the Volume button does not read "Muted" while the sound is on')
key('m')
wait_until(volume_muted, 5, 'M mutes (the Volume button reads "Muted")')
key('m')
wait_until(lambda: not volume_muted(), 5, 'M again unmutes')

# Paused, period steps one frame on and comma one frame back (from the
# start: Right went to the clip's end).
key('Left')
wait_until(lambda: position.currentValue < 0.5, 10, 'Left seeks back to the start again')
at = position.currentValue
key('period')
wait_until(lambda: at < position.currentValue < at + 0.2, 10, 'period steps one frame on (from %g)' % at)
on = position.currentValue
key('comma')
wait_until(lambda: position.currentValue < on and abs(position.currentValue - at) < 0.05, 10,
           'comma steps one frame back (from %g)' % on)
check(find(player, 'push button', name='Play') is not None, 'stepping leaves the video paused')
tab_until(lambda: focused() is not None and not inside(focused(), player), 'Tab leaves the player')

# Ctrl+S asks where to save (GTK's own chooser: outside a sandbox GTK
# asks no portal for it); its name field has the focus and takes a whole path;
# Return saves the video there. The chooser is GTK's, not ours: its
# names are not checked (GTK 4.8 leaves many of its buttons unnamed).
save_dir = tempfile.mkdtemp(prefix='dailies-keyboard-save-')
saved = os.path.join(save_dir, 'saved by keyboard.mp4')
try:
    key('ctrl+s')
    chooser = wait_until(lambda: window_named('Save Video'), 10, 'Ctrl+S asks where to save')[0]
    wait_until(lambda: [n for n in walk(chooser) if n.getRoleName() == 'text' and has_state(n, pyatspi.STATE_FOCUSED)],
               5, 'the file name has the focus')
    key('ctrl+a')
    xdotool('type', '--delay', '5', saved)
    check(not window_closed(chooser), 'the chooser shows')
    key('Return')
    # (GTK 4.8 tells AT-SPI nothing of the name field's text.)
    wait_until(lambda: window_closed(chooser), 10, 'Return closes the chooser',
               explain=lambda: ['the chooser reads: %r' % shown_text(chooser)])

    def saved_video():
        # The file is renamed into place once whole.
        with open(saved, 'rb') as video:
            head = video.read(12)
        return os.path.getsize(saved) > 0 and head[4:8] == b'ftyp'

    wait_until(saved_video, 30, 'the video is saved where typed, an MP4 (ftyp)')
    check(not window_named('Save Video'), 'the chooser has left the app\'s windows')
    print('# %d bytes saved' % os.path.getsize(saved), flush=True)
    check(os.listdir(save_dir) == [os.path.basename(saved)], 'nothing but the video is left in its folder')
finally:
    shutil.rmtree(save_dir, ignore_errors=True)

# Ctrl+E asks how to export, every control named; Escape cancels.
known = list(app.app)
key('ctrl+e')
export = wait_until(lambda: new_dialog(known), 10, 'Ctrl+E asks how to export')[0]
check(export.name.startswith('Export'), 'the dialog reads %r' % export.name)
check_names(export, 'the Export dialog')
close_with_escape(export, 'the Export dialog')

# Ctrl+A selects every task; Delete then asks before removing them
# (with one selected it would remove at once); Escape keeps them.
n_tasks = len(app.rows())
key('ctrl+a')
wait_until(lambda: len([r for r in app.rows() if has_state(r, pyatspi.STATE_SELECTED)]) == n_tasks, 10,
           'Ctrl+A selects all %d tasks' % n_tasks)
known = list(app.app)
key('Delete')
confirm = wait_until(lambda: new_dialog(known), 10, 'Delete asks before removing')[0]
check(confirm.name.startswith('Remove'), 'the dialog reads %r' % confirm.name)
check_names(confirm, 'the Remove confirmation')
close_with_escape(confirm, 'the Remove confirmation')
check(len(app.rows()) == n_tasks, 'Escape removes nothing')

# Ctrl+comma opens Preferences, whose controls say what they set.
key('ctrl+comma')
prefs = wait_until(lambda: [f for f in app.app if f is not None and f.name == 'Preferences'], 10,
                   'Ctrl+comma opens Preferences')[0]
check(find(prefs, 'spin button', name='Check every, in seconds') is not None, 'the interval says its unit')
check(find(prefs, 'spin button', name='Requests at once') is not None, 'the request limit has a name')
check(find(prefs, 'spin button', name='Requests per second') is not None, 'the rate limit has a name')
check(find(prefs, 'text', name='API Address') is not None, 'the API address entry has a name')
# GTK 4.8 tells a switch as a check box.
for switch in ('Notifications', 'Keep a Copy of Every Video'):
    check((find(prefs, 'check box', name=switch) or find(prefs, 'switch', name=switch)) is not None,
          'the %s switch has a name' % switch)
check_names(prefs, 'Preferences')


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

# The API Key row's button (read by its row's title) opens the key
# dialog, every control named; Escape closes it, and Preferences again.
tab_until(lambda: focused() is not None and name_of(focused()) == 'API Key', 'Tab reaches the API key button')
known = list(app.app)
key('Return')
key_dialog = wait_until(lambda: new_dialog(known), 10, 'Return asks for the API key')[0]
wait_until(lambda: focused_is('password text', 'API key'), 5, 'the key field has the focus')
check_names(key_dialog, 'the API key dialog')
close_with_escape(key_dialog, 'the API key dialog')
focus_window('Preferences')
check(not window_closed(prefs), 'Preferences shows')
key('Escape')
wait_until(lambda: window_closed(prefs), 10, 'Escape closes Preferences')

# Ctrl+Q quits.
key('ctrl+q')
app.process.wait(15)
check(app.process.returncode == 0, 'Ctrl+Q quits cleanly')
done()
