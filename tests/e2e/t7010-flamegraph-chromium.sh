#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx flamegraph's SVG in a real browser: headless Chromium renders it
# (a screenshot, decoded here with zlib: the frames are where the SVG says,
# in their colours, as wide as their counts) and runs its script: a harness
# added to a copy clicks a frame (it fills the width, its callers stay, the
# rest is hidden), zooms out, searches (the matched percentage of known
# counts, nested matches once) and writes what it saw into the DOM, which
# --dump-dom prints.  Skipped, saying so, without Chromium.
. "$(dirname "$0")/lib.sh"

test_lazy_prereq CHROMIUM '
	command -v chromium && command -v python3 ||
		{ echo "no chromium (Debian package chromium) or python3: the flame graph is not rendered in a browser"; false; }
'

# The stacks of t7000: two chains into one leaf, a caller's own count, a C++ name.
cat >"$TRASH/known.folded" <<'EOF'
main;a;b;leaf 300
main;c;leaf 100
main;a;b;leaf 200
main;a 50
main;std::vector<int>::push_back(int&&) 350
EOF

# render SVG PNG DOM: Chromium's screenshot of SVG (its own size) and the DOM after its scripts
render() {
	h=$(sed -n 's/^<svg .* height="\([0-9]*\)".*/\1/p' "$1") &&
	timeout 30 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$PWD/profile" \
		--no-first-run --disable-crash-reporter --disable-extensions --hide-scrollbars \
		--force-device-scale-factor=1 --window-size=1200,"$h" --virtual-time-budget=1000 \
		--enable-logging=stderr --v=0 --screenshot="$PWD/$2" --dump-dom "file://$PWD/$1" \
		>"$3" 2>chromium.log &&
	test -s "$2" &&
	# a script error shows as a console message
	! grep -e Uncaught -e :CONSOLE chromium.log
}

# png.py PNG: the PNG's pixels, read with zlib (8-bit RGB or RGBA, not interlaced)
cat >"$TRASH/png.py" <<'EOF'
import struct, zlib

def read(path):
    d = open(path, "rb").read()
    assert d[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(d):
        n, typ = struct.unpack(">I4s", d[pos:pos + 8])
        body = d[pos + 8:pos + 8 + n]
        pos += 12 + n
        if typ == b"IHDR":
            w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat += body
        elif typ == b"IEND":
            break
    assert depth == 8 and ctype in (2, 6) and interlace == 0, (depth, ctype, interlace)
    bpp = 3 if ctype == 2 else 4
    raw, stride, rows, prev, i = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp), 0
    for _ in range(h):
        f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1:
                line[x] = (line[x] + a) & 255
            elif f == 2:
                line[x] = (line[x] + b) & 255
            elif f == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, [[tuple(r[x * bpp:x * bpp + 3]) for x in range(w)] for r in rows]
EOF

# frames.py SVG: the frames of the SVG, for the checks (name, depth, x, width, y, fill)
cat >"$TRASH/frames.py" <<'EOF'
import xml.etree.ElementTree as ET
NS = "{http://www.w3.org/2000/svg}"

def read(path):
    root = ET.parse(path).getroot()
    out = []
    for g in root.iter(NS + "g"):
        if g.get("class") != "f":
            continue
        r = g.find(NS + "rect")
        t = g.find(NS + "title").text
        fill = tuple(int(v) for v in r.get("fill")[4:-1].split(","))
        out.append(dict(name=t[:t.rindex(" (")], d=int(g.get("data-d")), x=float(r.get("x")),
                        w=float(r.get("width")), y=int(r.get("y")), fill=fill))
    return int(root.get("width")), int(root.get("height")), out
EOF

test_expect_success CHROMIUM 'rendered: every frame where the SVG puts it, in its colour, as wide as its count' '
	upx flamegraph --title "upx flamegraph in Chromium" "$TRASH/known.folded" >fg.svg &&
	render fg.svg fg.png dom.xml &&
	PYTHONPATH=$TRASH python3 -c "
import png, frames
W, H, fr = frames.read(\"fg.svg\")
w, h, px = png.read(\"fg.png\")
assert (w, h) == (W, H), ((w, h), (W, H))
def frame_coloured(p):   # a box or its label, not the pale yellow background
    return p[1] <= 232 or p[2] < 150
total = 0
for d in sorted(set(f[\"d\"] for f in fr)):
    row = [f for f in fr if f[\"d\"] == d]
    y = row[0][\"y\"] + 1           # the top of the boxes: no label there
    got = sum(1 for p in px[y] if frame_coloured(p))
    want = sum(f[\"w\"] for f in row)
    # antialiased edges and rounded corners: 2 px a frame at most
    assert abs(got - want) <= 2 * len(row), (d, got, want)
    total += got
    for f in row:                  # its right end (no label there) is its fill
        c = px[y][int(f[\"x\"] + f[\"w\"] - 4)]
        assert max(abs(a - b) for a, b in zip(c, f[\"fill\"])) <= 2, (f[\"name\"], c, f[\"fill\"])
# nothing between the title (baseline 24) and the top row, nor below the root
top = min(f[\"y\"] for f in fr)
assert not any(frame_coloured(p) for r in px[30:top - 1] + px[max(f[\"y\"] for f in fr) + 16:] for p in r)
# and the page is not blank: non-white pixels
assert sum(1 for r in px for p in r if p != (255, 255, 255)) > W * H // 2
want = sum(f[\"w\"] for f in fr)
assert abs(total - want) <= 2 * len(fr), (total, want)
print(\"box pixels\", total, \"of\", round(want, 2))
" >res &&
	cat res &&
	test_grep "^box pixels [0-9]* of 4838.0$" res
'

# The harness: drives the flame graph through its script, writes JSON into the DOM.
cat >"$TRASH/harness.js" <<'EOF'
(function () {
	var out = { errors: [] }, fg = window.flamegraph;
	function frame(name, d) {
		return fg.frames.filter(function (f) { return f.name === name && f.d === d; })[0];
	}
	function geo(name, d) {
		var f = frame(name, d);
		return [+f.rect.getAttribute('x'), +f.rect.getAttribute('width'),
			f.g.classList.contains('hide') ? 'hidden' :
			f.g.classList.contains('parent') ? 'parent' : 'shown',
			f.text.textContent];
	}
	function magenta() {
		return fg.frames.filter(function (f) {
			return f.rect.getAttribute('fill') === 'rgb(230,0,230)';
		}).map(function (f) { return f.name + '@' + f.d; }).sort();
	}
	try {
		out.search_leaf = fg.search('^leaf$');
		out.matched_leaf = document.getElementById('matched').textContent;
		out.magenta_leaf = magenta();
		out.search_nested = fg.search('leaf|^b$');
		out.search_literal = fg.search('push_back(int&&');
		out.matched_literal = document.getElementById('matched').textContent;
		fg.resetSearch();
		out.after_reset = [magenta().length, document.getElementById('matched').textContent];
		/* a click on b's box, as a mouse does it */
		frame('b', 3).rect.dispatchEvent(new MouseEvent('click', { bubbles: true }));
		out.zoom_b = ['b@3', 'leaf@4', 'a@2', 'main@1', 'all@0', 'c@2', 'leaf@3'].map(
			function (k) { return geo(k.split('@')[0], +k.split('@')[1]); });
		out.unzoom_shown = !document.getElementById('unzoom').classList.contains('hide');
		document.getElementById('unzoom').dispatchEvent(new MouseEvent('click', { bubbles: true }));
		out.unzoomed = [geo('b', 3), geo('c', 2)];
		out.unzoom_hidden = document.getElementById('unzoom').classList.contains('hide');
		/* last, for the screenshot: a zoomed in, leaf found */
		fg.zoom(frame('a', 2).g);
		out.zoom_a = [geo('a', 2), geo('b', 3), geo('leaf', 4)];
		out.final_search = fg.search('^leaf$');
	} catch (e) {
		out.errors.push(String(e));
	}
	var t = document.createElementNS('http://www.w3.org/2000/svg', 'text');
	t.id = 'harness';
	t.setAttribute('class', 'hide');	/* in the DOM, not in the picture */
	t.textContent = JSON.stringify(out);
	document.documentElement.appendChild(t);
})();
EOF

test_expect_success CHROMIUM 'its script: search percentages, zoom on click fills the width, reset' '
	upx flamegraph "$TRASH/known.folded" >fg.svg &&
	# the harness goes after the flame graph script, before </svg>
	{
		sed "\$d" fg.svg &&
		printf "<script type=\"text/ecmascript\"><![CDATA[\n" &&
		cat "$TRASH/harness.js" &&
		printf "]]></script>\n</svg>\n"
	} >harness.svg &&
	tail -1 fg.svg >last && echo "</svg>" >expect && test_cmp expect last &&
	render harness.svg harness.png dom.xml &&
	PYTHONPATH=$TRASH python3 -c "
import html, json, re, png, frames
m = re.search(r\"<text [^>]*id=.harness.[^>]*>(.*?)</text>\", open(\"dom.xml\").read(), re.S)
r = json.loads(html.unescape(m.group(1)))
print(json.dumps(r, indent=1))
assert r[\"errors\"] == [], r[\"errors\"]
# leaf: 500 + 100 of 1000; b (500) holds leaf@4: once; the literal: 350
assert r[\"search_leaf\"] == 60 and r[\"matched_leaf\"] == \"Matched: 60.00%\"
assert r[\"magenta_leaf\"] == [\"leaf@3\", \"leaf@4\"]
assert r[\"search_nested\"] == 60
assert r[\"search_literal\"] == 35 and r[\"matched_literal\"] == \"Matched: 35.00%\"
assert r[\"after_reset\"] == [0, \" \"]
b, leaf, a, main, all_, c, leaf3 = r[\"zoom_b\"]
assert b == [10, 1180, \"shown\", \"b\"] and leaf == [10, 1180, \"shown\", \"leaf\"], (b, leaf)
assert a == [10, 1180, \"parent\", \"a\"] and main[:3] == [10, 1180, \"parent\"], (a, main)
assert all_[:3] == [10, 1180, \"parent\"]
assert c[2] == \"hidden\" and leaf3[2] == \"hidden\"
assert r[\"unzoom_shown\"] and r[\"unzoom_hidden\"]
# back where the SVG had them: b at 10 + 50 * 1.18, 500 * 1.18 wide
assert r[\"unzoomed\"] == [[69, 590, \"shown\", \"b\"], [659, 118, \"shown\", \"c\"]], r[\"unzoomed\"]
# zoomed on a (550): b starts after a own 50 and is 500 / 550 of the width
za, zb, zl = r[\"zoom_a\"]
assert za[:3] == [10, 1180, \"shown\"]
assert zb[:2] == [round(10 + 50 / 550 * 1180, 2), round(500 / 550 * 1180, 2)], zb
assert r[\"final_search\"] == 60
# the screenshot shows that state: leaf@4 magenta, 1072.73 px wide
W, H, fr = frames.read(\"harness.svg\")
w, h, px = png.read(\"harness.png\")
y = [f[\"y\"] for f in fr if f[\"name\"] == \"leaf\" and f[\"d\"] == 4][0] + 1
box = [x for x in range(w) if px[y][x][1] <= 232 or px[y][x][2] < 150]
got = len(box)
assert abs(got - 1072.73) <= 2 and box[0] in (117, 118) and box[-1] == 1189, (got, box[0], box[-1])
assert px[y][1185] == (230, 0, 230), px[y][1185]
print(\"magenta\", got)
" >res &&
	cat res &&
	test_grep "^magenta 10[0-9][0-9]$" res
'

test_expect_success CHROMIUM 'Chromium is gone when it has finished' '
	upx flamegraph "$TRASH/known.folded" >fg.svg &&
	render fg.svg fg.png dom.xml &&
	! pgrep -f -- "--user-data-dir=$PWD/profile" >left &&
	test_line_count = 0 left
'

test_done
