# Starts `dailies --demo` and finds it on the accessibility bus.
# Shared by the AT-SPI tests; run with Debian's /usr/bin/python3 (pyatspi).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import atexit
import os
import re
import subprocess
import sys
import time

try:
    import pyatspi
except ImportError:
    # build-aux/dev installs it: under CI its absence is a failure, not
    # a skip that would pass unseen.
    if os.environ.get('CI') == 'true':
        print('Bail out! python3-pyatspi is not installed')
        sys.exit(1)
    # TAP's way to skip a whole program; Debian's python3-pyatspi has it.
    print('1..0 # SKIP python3-pyatspi is not installed')
    sys.exit(0)

# GTK 4.8 names a widget without a name after its type ("GtkLabel").
TYPE_NAME = re.compile(r'^(Gtk|Adw|Dailies)[A-Z][A-Za-z]*$')

# TAP, one line a check, so meson counts them.
_n_checks = 0


def check(ok, what):
    global _n_checks
    _n_checks += 1
    print('%s %d - %s' % ('ok' if ok else 'not ok', _n_checks, what), flush=True)
    if not ok:
        raise SystemExit(1)


def done():
    print('1..%d' % _n_checks, flush=True)


def wait_until(condition, timeout, what, explain=None):
    """Polls the accessible tree until @condition gives a true value.
    On a timeout, @explain (if given) returns lines that say what was
    seen instead, printed as TAP comments before the failure."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = condition()
        except Exception:  # a node went away while we looked
            value = None
        if value:
            check(True, what)
            return value
        if time.monotonic() > deadline:
            if explain is not None:
                try:
                    lines = explain()
                except Exception as error:
                    lines = ['(could not look: %s)' % error]
                for line in lines:
                    print('# ' + line, flush=True)
            check(False, 'within %g s: %s' % (timeout, what))
        time.sleep(0.05)


def name_of(node):
    name = node.name or ''
    return '' if TYPE_NAME.match(name) else name


def walk(node):
    yield node
    for child in node:
        if child is not None:
            yield from walk(child)


def find(root, role, name=None):
    for node in walk(root):
        if node.getRoleName() != role:
            continue
        if name is not None and name_of(node) != name:
            continue
        return node
    return None


def has_state(node, state):
    return node.getState().contains(state)


def shown_text(root):
    """The labels a person reads under @root."""
    return [n.name for n in walk(root) if n.getRoleName() == 'label' and name_of(n)]


def playing_player(frame):
    """Waits for the task view's player, then for its video to play, and
    returns the player. Only the player's own nodes are looked at while
    waiting: a walk of the whole window can outlast the demo's 4 s clip
    on a busy machine, and never see it play."""
    player = wait_until(lambda: find(frame, 'filler', name='Video Player'), 10,
                        'the task shows its player')
    wait_until(lambda: find(player, 'push button', name='Pause'), 30, 'its video plays',
               explain=lambda: ['the player reads: %r' % shown_text(player)])
    return player


# What a screen reader user operates, so must hear named. "text" is an
# entry as GTK 4.8 exposes it (AdwEntryRow, a text view).
NAMED_ROLES = {
    'push button', 'toggle button', 'check box', 'radio button', 'switch',
    'entry', 'text', 'password text', 'spin button', 'list item', 'combo box', 'slider',
}
# Those named by their label: a mnemonic must not leak into the name
# (GTK 4.8 reads "_Save As… Save As…"). Rows are named by task IDs,
# which hold underscores.
LABELLED_ROLES = {'push button', 'toggle button', 'check box', 'radio button'}


def check_names(root, where):
    """Every control under @root has a name a person can read, shown or
    not yet (GTK 4.8 tells "showing" of windows only)."""
    seen = 0
    for node in walk(root):
        role = node.getRoleName()
        if role not in NAMED_ROLES:
            continue
        seen += 1
        name = name_of(node)
        path = '%s %r under %s' % (role, node.name, where)
        if not name.strip():
            check(False, 'named: ' + path)
        if role in LABELLED_ROLES and '_' in name:
            check(False, 'no raw mnemonic in the name: ' + path)
    check(seen > 0, '%d controls under %s have names' % (seen, where))
    return seen


def check_progress_bars(root, where):
    """Every progress bar under @root tells its name and a value within
    its range; gives how many there are."""
    bars = [n for n in walk(root) if n.getRoleName() == 'progress bar']
    for bar in bars:
        value = bar.queryValue()
        check(name_of(bar) != '' and value.maximumValue > value.minimumValue and
              value.minimumValue <= value.currentValue <= value.maximumValue,
              'progress bar %r exposes %g in [%g, %g] under %s' %
              (bar.name, value.currentValue, value.minimumValue, value.maximumValue, where))
    return len(bars)


def window_closed(window):
    """True once @window is no longer visible, asked of the window itself. The
    application's list of windows is not looked at while one goes: GTK 4.8
    answers that with a null object path for a window whose accessible is
    already gone (a GLib critical, fatal under the tests' G_DEBUG)."""
    try:
        return not has_state(window, pyatspi.STATE_VISIBLE)
    except Exception:  # its accessible has left the bus: gone
        return True


def press(node):
    """What a screen reader does: the node's first action. A menu button
    is a named box around the button that has it."""
    for candidate in walk(node):
        try:
            action = candidate.queryAction()
        except NotImplementedError:
            continue
        if action.nActions > 0:
            action.doAction(0)
            return
    check(False, 'something to press in %s %r' % (node.getRoleName(), node.name))


class App:
    def __init__(self, argv):
        self.binary = argv[1]
        self.process = subprocess.Popen([self.binary, '--demo'])
        # A failed check leaves no app behind to hold the test open.
        atexit.register(self._kill)
        self.app = wait_until(self._find, 30, 'the app is on the accessibility bus')

    def _find(self):
        if self.process.poll() is not None:
            check(False, 'dailies exited early (%d)' % self.process.returncode)
        desktop = pyatspi.Registry.getDesktop(0)
        for app in desktop:
            if app is not None and app.name == 'dailies':
                return app
        return None

    def frame(self, name='Dailies'):
        for child in self.app:
            if child is not None and child.getRoleName() == 'frame' and child.name == name:
                return child
        return None

    def task_list(self):
        frame = self.frame()
        return find(frame, 'list', name='Tasks') if frame else None

    def rows(self):
        tasks = self.task_list()
        return [row for row in tasks if row is not None and row.getRoleName() == 'list item'] if tasks else []

    def _kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        check(self.process.returncode in (0, -15), 'dailies ends cleanly (%d)' % self.process.returncode)
