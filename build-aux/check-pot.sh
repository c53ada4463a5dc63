#!/bin/sh
# Checks the translations against the sources. Run by meson test.
#
#   check-pot.sh TOP                 po/POTFILES.in lists exactly the files that
#                                    hold translatable strings, and the template
#                                    builds from them without warnings
#   check-pot.sh TOP --catalogues    the same, then every catalogue in po/LINGUAS,
#                                    merged with that fresh template, compiles
#                                    with msgfmt --check and has no untranslated
#                                    and no fuzzy message
#   check-pot.sh TOP --pot FILE      the same as the first, and keeps the
#                                    template as FILE (build-aux/update-po)
set -eu
top=$1
mode=${2:-}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$top"

fail=0
listed=$(grep -v '^#' po/POTFILES.in | grep -v '^$' | sort)
for f in $listed; do
  [ -f "$f" ] || { echo "POTFILES.in names a missing file: $f"; fail=1; }
done

# What gettext finds in C (_(), N_(), C_(), NC_(), the g_d*gettext family and
# ngettext) and in .ui files (translatable="yes").
markers='(^|[^A-Za-z0-9_])(_|N_|C_|NC_|ngettext|g_dngettext|g_dcgettext|g_dpgettext2)[[:space:]]*\(|translatable="yes"'
marked=$(find src -type f \( -name '*.c' -o -name '*.ui' \) | sort | xargs grep -lE "$markers" || true)
for f in $marked; do
  printf '%s\n' "$listed" | grep -qxF "$f" || { echo "$f has translatable strings but is not in po/POTFILES.in"; fail=1; }
done
for f in $(printf '%s\n' "$listed" | grep '^src/' || true); do
  printf '%s\n' "$marked" | grep -qxF "$f" || { echo "po/POTFILES.in lists $f, which has no translatable strings"; fail=1; }
done
# Every desktop entry, metainfo and schema is translated as a whole.
for f in $(find data -maxdepth 1 -type f \( -name '*.desktop.in' -o -name '*.metainfo.xml.in' -o -name '*.gschema.xml' \) | sort); do
  printf '%s\n' "$listed" | grep -qxF "$f" || { echo "$f is not in po/POTFILES.in"; fail=1; }
done
[ $fail -eq 0 ] || exit 1

# The same options meson's glib preset passes.
xgettext --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=NC_:1c,2 --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 --keyword=g_dpgettext2:2c,3 \
  --flag=N_:1:pass-c-format --flag=C_:2:pass-c-format --flag=NC_:2:pass-c-format \
  --flag=g_dngettext:2:pass-c-format --flag=g_strdup_printf:1:c-format \
  --flag=g_string_printf:2:c-format --flag=g_string_append_printf:2:c-format \
  --flag=g_error_new:3:c-format --flag=g_set_error:4:c-format \
  --package-name=dailies -o "$out/dailies.pot" $listed 2>"$out/warnings"

# A format directive built from a macro (G_GINT64_FORMAT) cannot be translated.
if grep -q 'warning' "$out/warnings"; then
  cat "$out/warnings"
  exit 1
fi

for s in "Drop Task IDs Here" "Add Task IDs" "Why It Failed" "Link expired" "Track and preview Seedance video generations"; do
  grep -q "msgid \"$s\"" "$out/dailies.pot" || { echo "dailies.pot lacks \"$s\""; exit 1; }
done
echo "dailies.pot: $(grep -c '^msgid ' "$out/dailies.pot") strings"

case "$mode" in
  --pot)
    cp "$out/dailies.pot" "$3"
    ;;
  --catalogues)
    for lang in $(grep -v '^#' po/LINGUAS); do
      [ -f "po/$lang.po" ] || { echo "po/LINGUAS names $lang, but po/$lang.po is missing"; fail=1; continue; }
      # Merged as build-aux/update-po would: a new or changed string shows up
      # as untranslated or fuzzy.
      msgmerge --quiet --previous -o "$out/$lang.po" "po/$lang.po" "$out/dailies.pot"
      if ! msgfmt --check --statistics -o /dev/null "$out/$lang.po" 2>"$out/$lang.stats"; then
        cat "$out/$lang.stats"
        fail=1
        continue
      fi
      printf '%s: %s\n' "$lang" "$(cat "$out/$lang.stats")"
      if grep -qE 'untranslated|fuzzy' "$out/$lang.stats"; then
        echo "$lang: every message needs a translation; run build-aux/update-po and translate these:"
        msgattrib --only-fuzzy --no-obsolete "$out/$lang.po" | grep -E '^msgid ' || true
        msgattrib --untranslated --no-obsolete "$out/$lang.po" | grep -E '^msgid ' | grep -v '^msgid ""$' || true
        fail=1
      fi
    done
    ;;
esac
exit $fail
