#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Turn a Documentation/upx*.txt page into a roff man page for `make install`.
# The pages use a small asciidoc-like shape: a title line, UPPERCASE section
# names underlined with dashes, "term::" option lines followed by tab-indented text.
set -e
f=$1
name=$(basename "$f" .txt)
awk -v name="$name" '
function esc(s) { gsub(/\\/, "\\e", s); if (s ~ /^[.\047]/) s = "\\&" s; return s }
NR == 1 { printf ".TH %s 1 \"\" \"upx\" \"upx manual\"\n", toupper(name); next }
/^-+$/ { next }
/^[A-Z][A-Z ]+$/ { printf ".SH %s\n", $0; next }
/::$/ { sub(/::$/, ""); printf ".TP\n.B %s\n", esc($0); next }
/^$/ { print ".PP"; next }
{ sub(/^\t/, ""); print esc($0) }
' "$f"
