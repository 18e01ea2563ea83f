#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# upx flamegraph: folded stacks in, an SVG out.  The SVG is read back with
# python3's xml.etree (so it is valid XML) and checked against a trie built
# from the folded file by the checker itself: one <rect> per merged frame,
# widths c * 1180 / total within the 0.005 px of two decimals, places,
# alphabetical siblings, titles with the counts.
. "$(dirname "$0")/lib.sh"


# check_svg FOLDED SVG [COUNT_NAME]: the SVG is the flame graph of FOLDED
cat >"$TRASH/check_svg.py" <<'EOF'
import sys, xml.etree.ElementTree as ET
folded, path = sys.argv[1], sys.argv[2]
count_name = sys.argv[3] if len(sys.argv) > 3 else "samples"
NS = "{http://www.w3.org/2000/svg}"

# the oracle: a trie of the folded lines
trie = {}
for line in open(folded, encoding="utf-8", errors="surrogateescape"):
    line = line.strip()
    if not line:
        continue
    stack, count = line.rsplit(None, 1)
    node = trie
    for name in stack.strip().split(";"):
        kid = node.setdefault(name, [0, {}])
        kid[0] += int(count)
        node = kid[1]
total = sum(v[0] for v in trie.values())
want = []       # (depth, name, count, start), pre-order, siblings sorted
def walk(node, depth, start):
    for name in sorted(node, key=lambda s: s.encode("utf-8", "surrogateescape")):
        c, kids = node[name]
        want.append((depth, name, c, start))
        own = c - sum(k[0] for k in kids.values())
        walk(kids, depth + 1, start + own)
        start += c
want.insert(0, (0, "all", total, 0))
walk(trie, 1, 0)

root = ET.parse(path).getroot()
assert root.tag == NS + "svg", root.tag
assert int(root.get("data-total")) == total
groups = [g for g in root.iter(NS + "g") if g.get("class") == "f"]
rects = list(root.iter(NS + "rect"))
# every frame is a <g> with one <title>, one <rect>, one <text>; one more rect: the background
assert len(rects) == len(groups) + 1, (len(rects), len(groups))
assert [r.get("id") for r in rects if r.get("id")] == ["bg"]
assert len(groups) == len(want), (len(groups), len(want))
W = 1180.0
for g, (depth, name, c, start) in zip(groups, want):
    kids = [k.tag for k in g]
    assert kids == [NS + "title", NS + "rect", NS + "text"], kids
    title = g.find(NS + "title").text
    pct = "%.2f%%" % (100.0 * c / total)
    assert title == "%s (%s %s, %s)" % (name, format(c, ","), count_name, pct), (title, name, c)
    r = g.find(NS + "rect")
    x, w = float(r.get("x")), float(r.get("width"))
    assert abs(w - c * W / total) <= 0.005 + 1e-9, (name, w, c * W / total)
    assert abs(x - (10 + start * W / total)) <= 0.005 + 1e-9, (name, x, start)
    assert int(g.get("data-c")) == c and int(g.get("data-s")) == start
    assert int(g.get("data-d")) == depth
    height = int(root.get("height"))
    assert int(r.get("y")) == height - 34 - (depth + 1) * 16, (name, r.get("y"))
print(len(groups), "frames")
EOF
check_svg() {
	python3 "$TRASH/check_svg.py" "$@"
}

# Two chains into one leaf, a caller with its own count, a C++ name.
cat >"$TRASH/known.folded" <<'EOF'
main;a;b;leaf 300
main;c;leaf 100
main;a;b;leaf 200
main;a 50
main;std::vector<int>::push_back(int&&) 350
EOF

test_expect_success PYTHON3 'known stacks: valid XML, one rect per merged frame, exact widths' '
	upx flamegraph "$TRASH/known.folded" >out.svg 2>err &&
	test_line_count = 0 err &&
	check_svg "$TRASH/known.folded" out.svg >res &&
	test_grep "^8 frames$" res &&
	test_grep "<title>leaf (500 samples, 50.00%)</title>" out.svg &&
	test_grep "<title>leaf (100 samples, 10.00%)</title>" out.svg &&
	test_grep "<title>all (1,000 samples, 100.00%)</title>" out.svg
'

test_expect_success PYTHON3 'widths in the ratio of the counts: 500 : 100 is 590.00 px : 118.00 px' '
	upx flamegraph "$TRASH/known.folded" >out.svg &&
	python3 -c "
import xml.etree.ElementTree as ET
ns = \"{http://www.w3.org/2000/svg}\"
w = {}
for g in ET.parse(\"out.svg\").getroot().iter(ns + \"g\"):
    if g.get(\"class\") == \"f\":
        w[g.find(ns + \"title\").text.split(\" (\")[0] + g.get(\"data-d\")] = g.find(ns + \"rect\").get(\"width\")
print(w[\"leaf4\"], w[\"leaf3\"], w[\"b3\"], w[\"c2\"])
" >widths &&
	echo "590.00 118.00 590.00 118.00" >expect &&
	test_cmp expect widths
'

test_expect_success PYTHON3 'title and count name; stdin, "-" and -o give the same bytes' '
	upx flamegraph --title "malloc() <callers>" --count-name calls -o a.svg "$TRASH/known.folded" &&
	upx flamegraph --title "malloc() <callers>" --count-name calls <"$TRASH/known.folded" >b.svg &&
	upx flamegraph --title "malloc() <callers>" --count-name calls - <"$TRASH/known.folded" >c.svg &&
	cmp a.svg b.svg && cmp a.svg c.svg &&
	check_svg "$TRASH/known.folded" a.svg calls &&
	test_grep ">malloc() &lt;callers&gt;</text>" a.svg &&
	test_grep "<title>c (100 calls, 10.00%)</title>" a.svg
'

test_expect_success PYTHON3 'deterministic: shuffled, split and CRLF input give the same bytes' '
	upx flamegraph "$TRASH/known.folded" >one.svg &&
	sort -r "$TRASH/known.folded" >rev.folded &&
	upx flamegraph rev.folded >rev.svg &&
	printf "\r\nmain;a;b;leaf 450\r\nmain;c;leaf 100\r\n\r\n  main;a 50\r\nmain;a;b;leaf 50\r\n" >split.folded &&
	echo "main;std::vector<int>::push_back(int&&) 350" >>split.folded &&
	upx flamegraph split.folded >split.svg &&
	cmp one.svg rev.svg && cmp one.svg split.svg &&
	upx flamegraph "$TRASH/known.folded" >again.svg &&
	cmp one.svg again.svg
'

test_expect_success PYTHON3 'names with markup stay text' '
	printf "%s\n" "main;</title><script>alert(1)</script> 1" >m.folded &&
	printf "main;a&b;\"q\" \047s\047 2\n" >>m.folded &&
	printf "%s\n" "main;operator<< <std::ostream> 3" >>m.folded &&
	upx flamegraph m.folded >m.svg &&
	check_svg m.folded m.svg &&
	python3 -c "
import xml.etree.ElementTree as ET
ns = \"{http://www.w3.org/2000/svg}\"
r = ET.parse(\"m.svg\").getroot()
print(len(list(r.iter(ns + \"script\"))))
for t in sorted(t.text for t in r.iter(ns + \"title\")):
    print(t)
" >res &&
	cat >expect <<-\EOF &&
	1
	"q" \047s\047 (2 samples, 33.33%)
	</title><script>alert(1)</script> (1 samples, 16.67%)
	a&b (2 samples, 33.33%)
	all (6 samples, 100.00%)
	main (6 samples, 100.00%)
	operator<< <std::ostream> (3 samples, 50.00%)
	EOF
	sed "s/\\\\047/'\''/g" expect >expect.q &&
	test_cmp expect.q res
'

test_expect_success PYTHON3 'counts up to 2^64 - 1 in all' '
	printf "main;a 9223372036854775807\nmain;b 9223372036854775808\n" >big.folded &&
	upx flamegraph big.folded >big.svg &&
	check_svg big.folded big.svg &&
	test_grep "<title>all (18,446,744,073,709,551,615 samples, 100.00%)</title>" big.svg &&
	test_grep "<title>b (9,223,372,036,854,775,808 samples, 50.00%)</title><rect x=\"600.00\" y=\"[0-9]*\" width=\"590.00\"" big.svg &&
	echo "main;c 1" >>big.folded &&
	test_expect_code 1 upx flamegraph big.folded 2>err &&
	test_grep "^upx flamegraph: the counts add up to more than 2^64 - 1$" err
'

test_expect_success PYTHON3 'perf-style input: [unknown] frames, _[k] kernel frames, deep stacks' '
	{
		echo "perl;[unknown];Perl_pp_entersub;Perl_runops_standard 12"
		echo "perl;entry_SYSCALL_64_[k];do_syscall_64_[k];__x64_sys_write_[k] 3"
		deep=main && for i in $(seq 300); do deep="$deep;f$i"; done &&
		echo "$deep 5"
	} >perf.folded &&
	upx flamegraph perf.folded >perf.svg &&
	check_svg perf.folded perf.svg >res &&
	test_grep "^309 frames$" res
'

test_expect_success PYTHON3 'frames narrower than 0.1 px are left out, the others keep their widths' '
	printf "main;big 99990\nmain;tiny;tinier 9\nmain;tiniest 1\n" >t.folded &&
	upx flamegraph t.folded >t.svg &&
	test_grep -v tiniest t.svg &&
	test_grep "<title>tinier (9 samples, 0.01%)</title><rect x=\"1189.89\" y=\"[0-9]*\" width=\"0.11\"" t.svg &&
	test_grep "<title>big (99,990 samples, 99.99%)</title><rect x=\"10.00\" y=\"[0-9]*\" width=\"1179.88\"" t.svg &&
	python3 -c "
import xml.etree.ElementTree as ET
ns = \"{http://www.w3.org/2000/svg}\"
print(sum(1 for _ in ET.parse(\"t.svg\").getroot().iter(ns + \"rect\")))
" >n &&
	echo 6 >expect && test_cmp expect n
'

# bad LINE CAUSE TEXT: upx flamegraph on TEXT says line LINE has CAUSE, exits 1, writes nothing
bad() {
	printf "$3" >in.folded &&
	test_expect_code 1 upx flamegraph -o out.svg in.folded 2>err >out &&
	test_one_line_error err &&
	test_grep "^upx flamegraph: 'in.folded': line $1: $2" err &&
	test_line_count = 0 out &&
	! test -e out.svg &&
	test_expect_code 1 upx flamegraph <in.folded 2>err >out &&
	test_grep "^upx flamegraph: 'standard input': line $1: $2" err &&
	test_line_count = 0 out
}

test_expect_success 'bad lines are named by number' '
	bad 3 "no count" "a;b 1\n\nnocount\n" &&
	bad 2 "the count is not a number" "a 1\na;b 12x\n" &&
	bad 1 "the count is not a whole number" "a;b 1.5\n" &&
	bad 1 "the count is not a number" "a;b -1\n" &&
	bad 2 "the count is too large" "a 1\na;b 18446744073709551616\n" &&
	bad 2 "the counts of this stack add up" "a;b 18446744073709551615\na;b 1\n" &&
	bad 4 "an empty frame name" "a 1\r\nb 1\r\nc 1\r\na;;b 1\r\n" &&
	bad 1 "an empty frame name" ";a 1" &&
	bad 1 "an empty frame name" "a; 1" &&
	bad 1 "no count" " 7\n" &&
	bad 2 "a NUL byte" "a 1\nb\0c 2\n"
'

test_expect_success PYTHON3 'flamegraph.pl-style input parses; the count is the last field only' '
	printf "main;operator new(unsigned long) 5\r\n[unknown];do_syscall_64_[k] 3\nmain;se:mi:colon_99 2\n" >in.folded &&
	upx flamegraph -o out.svg in.folded 2>err &&
	test_line_count = 0 err &&
	check_svg in.folded out.svg &&
	# a stack that ends in a number (flamegraph.pl would read two counts): its last frame, said so
	printf "main;a 10 20\nmain;b 1\n" >two.folded &&
	upx flamegraph -o out.svg two.folded 2>err &&
	test_line_count = 1 err &&
	test_grep "^upx flamegraph: warning: '\''two.folded'\'': line 1: the stack ends in a number" err &&
	check_svg two.folded out.svg &&
	test_grep "<title>a 10 (20 samples" out.svg
'

test_expect_success 'no file, a directory, nothing in it, too many arguments, no directory for -o' '
	test_expect_code 1 upx flamegraph nonexistent 2>err &&
	test_one_line_error err &&
	test_grep "^upx flamegraph: cannot read '\''nonexistent'\'': No such file or directory$" err &&
	mkdir d &&
	test_expect_code 1 upx flamegraph d 2>err &&
	test_grep "^upx flamegraph: cannot read '\''d'\'': Is a directory$" err &&
	printf "\n \n" >blank &&
	test_expect_code 1 upx flamegraph blank 2>err >out &&
	test_one_line_error err &&
	test_grep "^upx flamegraph: '\''blank'\'': no stacks in it$" err &&
	test_line_count = 0 out &&
	test_expect_code 2 upx flamegraph a b 2>err &&
	test_grep "one input file at most" err &&
	echo "a 1" >one &&
	test_expect_code 1 upx flamegraph -o d/no/such.svg one 2>err &&
	test_one_line_error err &&
	test_grep "^upx flamegraph: cannot write '\''d/no/such.svg'\'': No such file or directory$" err
'

test_done
