#!/bin/sh
# Checks `build-aux/update-po LANG` as a new translator runs it, on a copy of
# the tree: it starts po/LANG.po from the current strings, all untranslated,
# adds LANG to po/LINGUAS in order under its comment, leaves the other
# catalogues' translations alone, and a second run changes nothing more.
#
#   test-update-po.sh TOP
set -eu
top=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() { echo "not ok - $*"; exit 1; }

cp -R "$top/build-aux" "$top/po" "$top/src" "$top/data" "$work/"
cd "$work"
rm -f po/fr.po po/dailies.pot
stats_before=$(msgfmt --statistics -o /dev/null po/de.po 2>&1)

sh build-aux/update-po fr > update.log 2>&1 || { cat update.log; fail "update-po fr failed"; }

[ -f po/fr.po ] || fail "po/fr.po was not made"
grep -q '^"Language: fr\\n"$' po/fr.po || fail "po/fr.po does not say it is French"
msgfmt --check -o /dev/null po/fr.po || fail "po/fr.po does not compile"
n_template=$(msgattrib --no-obsolete po/dailies.pot | grep -c '^msgid ' )
n_new=$(msgattrib --untranslated --no-obsolete po/fr.po | grep -c '^msgid ')
# Both counts include the header's empty msgid.
[ "$n_new" -eq "$n_template" ] || fail "po/fr.po has $n_new untranslated messages, the template $n_template"
[ "$n_template" -gt 100 ] || fail "the template holds only $n_template messages"

[ "$(head -n 1 po/LINGUAS)" = "$(head -n 1 "$top/po/LINGUAS")" ] || fail "LINGUAS lost its comment line"
codes=$(grep -v '^#' po/LINGUAS)
[ "$codes" = "$(printf '%s\n' "$codes" | sort)" ] || fail "LINGUAS is not sorted: $codes"
printf '%s\n' "$codes" | grep -qxF fr || fail "fr is not in LINGUAS"
for lang in $(grep -v '^#' "$top/po/LINGUAS"); do
  printf '%s\n' "$codes" | grep -qxF "$lang" || fail "$lang left LINGUAS"
done

stats_after=$(msgfmt --statistics -o /dev/null po/de.po 2>&1)
[ "$stats_after" = "$stats_before" ] || fail "de.po changed: $stats_before -> $stats_after"

cp po/LINGUAS LINGUAS.once
cp po/fr.po fr.po.once
sh build-aux/update-po fr > update.log 2>&1 || { cat update.log; fail "a second update-po fr failed"; }
cmp -s po/LINGUAS LINGUAS.once || fail "a second run changed LINGUAS"
[ "$(msgattrib --untranslated po/fr.po | grep -c '^msgid ')" -eq "$n_new" ] || fail "a second run changed fr.po's messages"

echo "ok - update-po fr starts a complete, untranslated French catalogue ($n_template messages) and lists it"
