package configs

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/pelletier/go-toml/v2/unstable"
)

// parserAcceptsComment reports whether go-toml/v2's parser reads "#"+body
// as a comment running to the end of the input.
func parserAcceptsComment(body []byte) bool {
	var p unstable.Parser
	p.Reset(append([]byte("#"), body...))
	for p.NextExpression() {
	}
	return p.Error() == nil
}

// TestScanCommentAgreesWithParser holds prescan's comment check to the
// parser's on edge cases and on random bytes: a comment it leaves out must
// be one the parser would have accepted, and one it keeps one the parser
// refuses (or the file is parsed with it, which is only slower).
func TestScanCommentAgreesWithParser(t *testing.T) {
	cases := []string{"", " plain", "\ttab", "caf\u00e9 \u2028 \U0001F600", "\x7f", "\x00", "\x1f", "a\rb", "\r",
		"\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xef\xbf\xbd", "12345678\x01", "1234567\xff",
		"abcdefghijklmnop\x7fq", "0123456789abcdef\u00e9"}
	rng := rand.New(rand.NewPCG(13, 6))
	alphabet := []byte("ab #\t\r\x00\x1f\x7f\x80\xbf\xc2\xe2\x82\xac\xed\xa0\xf0\x9f\x98\x80\xff")
	for range 20000 {
		b := make([]byte, rng.IntN(24))
		for i := range b {
			if rng.IntN(4) == 0 {
				b[i] = alphabet[rng.IntN(len(alphabet))]
			} else {
				b[i] = byte(' ' + rng.IntN(95))
			}
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if bytes.IndexByte([]byte(c), '\n') >= 0 {
			continue
		}
		// As the comment of a line, with a CRLF, and at the end of
		// the file; with text before and after it.
		for _, tc := range []struct{ src, end string }{{"#" + c, "\n"}, {"#" + c, "\r\n"}, {"#" + c, ""}} {
			src := []byte("a = 1 " + tc.src + tc.end + "b = 2\n")
			if tc.end == "" {
				src = []byte("a = 1 " + tc.src)
			}
			wantEnd := len(src)
			if j := bytes.IndexByte(src, '\n'); j >= 0 {
				wantEnd = j
			}
			end, valid := scanComment(src, len("a = 1 "))
			wantValid := parserAcceptsComment([]byte(c + tc.end))
			if end != wantEnd || valid != wantValid {
				t.Fatalf("scanComment(%q) = %d, %v; want %d, %v", src, end, valid, wantEnd, wantValid)
			}
		}
	}
}

// sameIndex describes the first difference between two indexes: keys,
// positions, headers, or the values the one-pass builder kept.
func sameIndex(a, b *Index) error {
	if len(a.order) != len(b.order) {
		return fmt.Errorf("%d entries, want %d", len(a.order), len(b.order))
	}
	for i, e := range a.order {
		w := b.order[i]
		if e.Key != w.Key || e.KeyPos() != w.KeyPos() || e.ValuePos() != w.ValuePos() || e.ValueEnd() != w.ValueEnd() ||
			e.Header != w.Header || e.kind != w.kind || e.SchemaKey() != w.SchemaKey() {
			return fmt.Errorf("entry %d: %+v, want %+v", i, *e, *w)
		}
		if e.kind == tClosed && !sameTree(map[string]any{"v": e.v}, map[string]any{"v": w.v}) {
			return fmt.Errorf("entry %s: value %#v, want %#v", e.Key, e.v, w.v)
		}
	}
	return nil
}

// TestStrippedCommentsKeepPositions parses every document of the corpus
// both ways, as written and without its comments: where the
// second gives a tree, every key, position and value must be the first's.
func TestStrippedCommentsKeepPositions(t *testing.T) {
	stripped := 0
	for name, data := range onePassCorpus(t) {
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
		off, keys, content := prescan(data, true, nil)
		if off >= 0 || content == nil {
			continue
		}
		if len(content) >= len(data) {
			t.Errorf("%s: %d bytes without comments, %d with", name, len(content), len(data))
		}
		got := parseContent("x.toml", data, content, keys)
		want := parseDoc("x.toml", data, keys)
		if got.ok != want.ok || (got.v11 != nil) != (want.v11 != nil) || (got.err == nil) != (want.err == nil) {
			t.Errorf("%s: tree %v, v11 %v, err %v; as written: tree %v, v11 %v, err %v", name,
				got.ok, got.v11 != nil, got.err, want.ok, want.v11 != nil, want.err)
			continue
		}
		if err := sameIndex(got.ix, want.ix); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if got.ok && !sameTree(buildTree(got.ix), buildTree(want.ix)) {
			t.Errorf("%s: tree\n%#v\nwant\n%#v", name, buildTree(got.ix), buildTree(want.ix))
		}
		stripped++
	}
	if stripped < 100 {
		t.Errorf("only %d documents had comments to leave out", stripped)
	}
}

// TestLoadKeepsNothingOfTheLentBuffer loads the whole corpus one file after
// another, as a run does, and then each file again on its own: the buffer
// Load lends prescan is reused by the next file, so a value or key that
// pointed into it would have changed.
func TestLoadKeepsNothingOfTheLentBuffer(t *testing.T) {
	corpus := onePassCorpus(t)
	names := make([]string, 0, len(corpus))
	for name := range corpus {
		names = append(names, name)
	}
	sort.Strings(names)
	files := make([]*File, len(names))
	for i, name := range names {
		files[i], _ = Load("x.toml", corpus[name], Datanode)
	}
	stripped := 0
	for i, name := range names {
		if _, _, content := prescan(corpus[name], true, nil); content != nil {
			stripped++
		}
		again, _ := Load("x.toml", corpus[name], Datanode)
		if !sameTree(files[i].Tree(), again.Tree()) {
			t.Fatalf("%s: the tree changed after other files were loaded", name)
		}
		if err := sameIndex(files[i].index, again.index); err != nil {
			t.Fatalf("%s: the index changed after other files were loaded: %v", name, err)
		}
	}
	if stripped == 0 {
		t.Fatal("no file of the corpus had a comment left out: the test checks nothing")
	}
}

// TestAdvanceCounts holds advance to a byte-by-byte count on random text of
// line breaks, spaces, letters and the odd multi-byte character.
func TestAdvanceCounts(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []byte("\n\n\n  ab=\"\t\r#")
	for range 20000 {
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = alphabet[rng.IntN(len(alphabet))]
		}
		if rng.IntN(10) == 0 && len(b) > 2 {
			copy(b[rng.IntN(len(b)-1):], "é")
		}
		line, col := 5, 3
		ascii := true
		for _, c := range b {
			switch {
			case c == '\n':
				line, col = line+1, 1
			case c >= 0x80:
				ascii = false
			default:
				col++
			}
		}
		gl, gc, ok := advance(b, 5, 3)
		if want := ascii && len(b) <= 256; ok != want {
			t.Fatalf("advance(%q): ok %v, want %v", b, ok, want)
		}
		if ok && (gl != line || gc != col) {
			t.Fatalf("advance(%q) = %d:%d, want %d:%d", b, gl, gc, line, col)
		}
	}
}
