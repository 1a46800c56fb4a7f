#!/usr/bin/env bash
# Makes assets/fonts/NotoSansSC-Certificate.otf, the font of the registration certificate
# (登记证明): Noto Sans CJK SC Regular (SIL Open Font License 1.1) from Debian's fonts-noto-cjk,
# subset by fontTools' pyftsubset to the characters a certificate can hold:
#   - every CJK Unified Ideograph of the basic block (U+4E00–U+9FFF, ~21,000): all of GB 2312,
#     all of GBK's hanzi and nearly all of the 8105 of 通用规范汉字表 (a few of its name
#     characters lie in the extension blocks) — party names use characters (堃, 玥, 喆, 珺 …)
#     that GB 2312 lacks. Extension A (6,582 rarer characters) would add 1.5 MB for little;
#   - ASCII, Latin-1 punctuation, CJK symbols and punctuation (U+3000–U+303F), full-width
#     forms (U+FF00–U+FFEF), general punctuation (U+2000–U+206F), the ¥ sign, ○ and ×.
# A character outside this set is drawn as the font's .notdef box and the certificate names it
# (src/certificate/text.rs); it never silently disappears.
#
# Usage: tools/make_cjk_font.sh   (installs fonts-noto-cjk with apt and fontTools into
# target/font-venv when missing; writes the font and its licence file).
set -euo pipefail
cd "$(dirname "$0")/.."
source_ttc=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
if [ ! -f "$source_ttc" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q fonts-noto-cjk >/dev/null
fi
venv=target/font-venv
if [ ! -x "$venv/bin/pyftsubset" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q 'fonttools>=4.40,<5'
fi
out=assets/fonts/NotoSansSC-Certificate.otf
mkdir -p assets/fonts
# Font number 2 of the collection is Noto Sans CJK SC.
"$venv/bin/pyftsubset" "$source_ttc" --font-number=2 \
    --unicodes='U+0020-007E,U+00A0-00FF,U+2000-206F,U+2190-2193,U+25CB,U+3000-303F,U+4E00-9FFF,U+FF00-FFEF' \
    --layout-features='' --no-hinting --notdef-outline --name-IDs='*' --name-languages='*' \
    --drop-tables+=GSUB,GPOS,GDEF,BASE,JSTF,VORG,vhea,vmtx \
    --output-file="$out"
# The licence travels with the font: the SIL OFL 1.1 text from Debian's copyright file.
{
    "$venv/bin/python" -c 'import sys; from fontTools.ttLib import TTFont; print(TTFont(sys.argv[1])["name"].getDebugName(0))' "$out"
    echo "This file is a subset of Noto Sans CJK SC Regular made by tools/make_cjk_font.sh."
    echo
awk '/^License: SIL-1.1$/ {n++} n==2 && /^License: SIL-1.1$/ {on=1; next} on && /^License:/ {exit} on {sub(/^ /, ""); sub(/^\.$/, ""); print}' \
    /usr/share/doc/fonts-noto-cjk/copyright
} > assets/fonts/OFL.txt
ls -l "$out" assets/fonts/OFL.txt
