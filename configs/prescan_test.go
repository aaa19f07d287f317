package configs

import (
	"bytes"
	"fmt"
	"math/rand/v2"
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
		off, keys, content := prescan(data, true)
		if off >= 0 || content == nil {
			continue
		}
		if len(content) >= len(data) {
			t.Errorf("%s: %d bytes without comments, %d with", name, len(content), len(data))
		}
		got := parseContent("x.toml", data, content, keys)
		want := parseDoc("x.toml", data, keys)
		if (got.tree == nil) != (want.tree == nil) || (got.v11 != nil) != (want.v11 != nil) || (got.err == nil) != (want.err == nil) {
			t.Errorf("%s: tree %v, v11 %v, err %v; as written: tree %v, v11 %v, err %v", name,
				got.tree != nil, got.v11 != nil, got.err, want.tree != nil, want.v11 != nil, want.err)
			continue
		}
		if err := sameIndex(got.ix, want.ix); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if got.tree != nil && !sameTree(got.tree, want.tree) {
			t.Errorf("%s: tree\n%#v\nwant\n%#v", name, got.tree, want.tree)
		}
		stripped++
	}
	if stripped < 100 {
		t.Errorf("only %d documents had comments to leave out", stripped)
	}
}
