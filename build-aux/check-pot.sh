#!/bin/sh
# Builds the translation template from po/POTFILES.in into a temp folder and
# checks that it holds strings from C, .ui and data files. Run by meson test.
set -eu
top=$1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

files=$(grep -v '^#' "$top/po/POTFILES.in" | grep -v '^$')
for f in $files; do
  [ -f "$top/$f" ] || { echo "POTFILES.in names a missing file: $f"; exit 1; }
done

cd "$top"
# The same options meson's glib preset passes.
xgettext --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=NC_:1c,2 --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --package-name=dailies -o "$out/dailies.pot" $files 2>"$out/warnings"

# A format directive built from a macro (G_GINT64_FORMAT) cannot be translated.
if grep -q 'warning' "$out/warnings"; then
  cat "$out/warnings"
  exit 1
fi

for s in "Drop Task IDs Here" "Add Task IDs" "Why It Failed" "Link expired" "Track and preview Seedance video generations"; do
  grep -q "msgid \"$s\"" "$out/dailies.pot" || { echo "dailies.pot lacks \"$s\""; exit 1; }
done
echo "dailies.pot: $(grep -c '^msgid ' "$out/dailies.pot") strings"
