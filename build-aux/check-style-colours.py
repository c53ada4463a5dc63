#!/usr/bin/env python3
# Fails when a stylesheet names a colour of its own: a hex value, rgb()/
# hsl(), or a CSS colour keyword. Colours come from libadwaita's named
# colours (@accent_color, @card_bg_color, alpha(@warning_color, 0.18) …),
# so light, dark and high contrast all stay right.
#
#   check-style-colours.py FILE.css            check a stylesheet
#   check-style-colours.py --self-test         break the rule on purpose
#
# SPDX-License-Identifier: GPL-3.0-or-later

import re
import sys

KEYWORDS = ('black', 'white', 'red', 'green', 'blue', 'yellow', 'orange', 'purple', 'gray', 'grey',
            'silver', 'maroon', 'navy', 'teal', 'olive', 'lime', 'aqua', 'fuchsia', 'pink', 'brown')
FIXED = re.compile(r'#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\s*\(|(?<![@\w-])(?:%s)\b' % '|'.join(KEYWORDS))


def problems(css):
    css = re.sub(r'/\*.*?\*/', lambda m: '\n' * m.group(0).count('\n'), css, flags=re.S)
    found = []
    # Only values, in each block's declarations (over lines, the last one
    # without its semicolon too): a selector may well say ".red-badge".
    for block in re.finditer(r'\{([^{}]*)\}', css):
        offset = block.start(1)
        for declaration in re.finditer(r'[^;]+', block.group(1)):
            if ':' not in declaration.group(0):
                continue
            value_start = offset + declaration.start() + declaration.group(0).index(':') + 1
            value = declaration.group(0)[declaration.group(0).index(':') + 1:]
            for match in FIXED.finditer(value):
                line = css.count('\n', 0, value_start + match.start()) + 1
                found.append('line %d: %s' % (line, match.group(0)))
    return found


def self_test():
    good = '/* not a fixed black */\n.a { color: @accent_color; background: alpha(@warning_color, 0.18); }\n' \
           '.red-badge { border-color: @borders; }\n'
    assert problems(good) == [], problems(good)
    for bad in ('.a { color: #3584e4; }', '.a { color: rgb(1, 2, 3); }', '.a { background-color: white; }',
                '.a { color: rgba(0,0,0,0.5); }', '.a { border: 1px solid black; }',
                '.a { color: #fff }', '.a {\n  border: 1px solid\n    black;\n}'):
        assert problems(bad), bad
    print('check-style-colours: the rule catches every fixed colour it is shown')


if __name__ == '__main__':
    if sys.argv[1:] == ['--self-test']:
        self_test()
        sys.exit(0)
    failed = False
    for path in sys.argv[1:]:
        with open(path, encoding='utf-8') as f:
            for problem in problems(f.read()):
                print('%s: %s: a fixed colour; use a libadwaita named colour' % (path, problem))
                failed = True
    sys.exit(1 if failed else 0)
