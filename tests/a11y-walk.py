#!/usr/bin/python3
# Walks the whole window the way a screen reader sees it (issue 10):
# every control has a name, toggles tell their state, progress bars
# their value, and a task's row its ID and status.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from atspi_app import (App, check, check_names, check_progress_bars, done, find, has_state,  # noqa: E402
                       name_of, press, wait_until, walk)

import pyatspi  # noqa: E402  (after atspi_app, which skips when it is missing)

STATUS_WORDS = ('Not started', 'Queued', 'Generating', 'Succeeded', 'Failed',
                'Not found', 'Waiting for the first answer')

app = App(sys.argv)


# The demo's ten tasks, each row saying its ID and its status.
rows = wait_until(lambda: [r for r in app.rows() if name_of(r)] if len(app.rows()) == 10 else None,
                  30, 'ten task rows with names')
check(len(rows) == 10, 'ten task rows')
for row in rows:
    check(row.description.startswith(STATUS_WORDS),
          'row %s says its status (%r)' % (row.name, row.description))
check(any(r.name == 'cgt-20261129101500-demo6' for r in rows), 'a row is named by its task ID')

# Statuses follow the task: the refused one says so.
failed = wait_until(lambda: [r for r in app.rows()
                             if r.name == 'asyntask_DemoModerationFail0000000000003' and
                             r.description.startswith('Failed')],
                    60, 'the refused task reads Failed on its row')[0]
check('sensitive information' in failed.description, 'the failed row tells why: %r' % failed.description)

frame = app.frame()
check_names(frame, 'the main window')
n = check_progress_bars(frame, 'the main window')
check(n > 0, '%d progress bars seen' % n)

# Open a finished task the way a screen reader user would: select its row.
done_row = wait_until(lambda: [r for r in app.rows() if r.description.startswith('Succeeded')],
                      90, 'a task has succeeded')[0]
tasks = app.task_list()
index = [i for i, r in enumerate(tasks) if r is not None and r.name == done_row.name][0]
tasks.querySelection().selectChild(index)
# The task view tells the same ID, beside the one on the row.
wait_until(lambda: len([n for n in walk(frame) if n.getRoleName() == 'label' and n.name == done_row.name]) >= 2,
           30, 'the task view shows the ID of %s as text' % done_row.name)
# Play/pause: the name says what a press does, as the icon shows. The
# player starts on its own, so the button first reads Pause.
pause = wait_until(lambda: find(frame, 'push button', name='Pause'), 30, 'playing, the button reads Pause')
check(find(frame, 'push button', name='Play') is None, 'no button reads Play while playing')
check_names(frame, 'the main window with a task open')
press(pause)
play = wait_until(lambda: find(frame, 'push button', name='Play'), 30, 'paused, it reads Play')

# The position slider tells where the video is and how long it is, and
# takes a new value (the clip is short: back to its start to play on).
position = find(frame, 'slider', name='Position')
wait_until(lambda: position.queryValue().maximumValue > 1, 30, 'the position slider knows the duration')
position.queryValue().currentValue = 0.0
wait_until(lambda: position.queryValue().currentValue < 0.5, 10, 'setting the slider seeks')
press(play)
wait_until(lambda: find(frame, 'push button', name='Pause'), 30, 'playing again, it reads Pause')

# Loop is a toggle: its state is told, not only drawn.
loop = find(frame, 'push button', name='Loop') or find(frame, 'toggle button', name='Loop')
check(loop is not None and not has_state(loop, pyatspi.STATE_PRESSED) and
      not has_state(loop, pyatspi.STATE_CHECKED), 'Loop starts off')
press(loop)
wait_until(lambda: has_state(loop, pyatspi.STATE_PRESSED) or has_state(loop, pyatspi.STATE_CHECKED), 10,
           'Loop reads as pressed once on')

# Mute sits in the Volume popover.
press(find(frame, 'push button', name='Volume'))
mute = wait_until(lambda: find(app.app, 'push button', name='Mute') or
                  find(app.app, 'toggle button', name='Mute'), 10, 'the Volume popover has Mute')
check(not has_state(mute, pyatspi.STATE_PRESSED), 'Mute starts off')
press(mute)
wait_until(lambda: has_state(mute, pyatspi.STATE_PRESSED) or has_state(mute, pyatspi.STATE_CHECKED), 10,
           'Mute reads as pressed once on')
check(find(app.app, 'slider', name='Volume') is not None, 'the volume slider has a name')
check_names(app.app, 'the app, the Volume popover open')

app.stop()
done()
