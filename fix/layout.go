package fix

import (
	"bytes"
	"strconv"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/configs"
)

// layout is where the pieces of a TOML file stand, in bytes: each table
// header and each top-level key/value with the ranges of its key parts
// and value. configs.Index records line and column positions for findings;
// an edit needs byte ranges of every key part, which only the parser knows,
// so the layout walks go-toml's unstable parser once more (the same walk,
// the same canonical keys).
type layout struct {
	src      []byte
	eol      string // "\r\n" when the file's first line ends so
	sections []*section
	// firstHeader is the offset of the first table header's line, or
	// len(src) when there is none.
	firstHeader int
}

// section is a table header and the keys below it; sections[0] is the
// root table (no header).
type section struct {
	path   string // canonical ("grpc", "region_engine[0].mito"); "" for the root
	header bool
	array  bool
	parts  []span // the header's key parts
	start  int    // start of the header line
	lineTo int    // end of the header line (after its newline)
	keys   []*keyVal
}

// keyVal is one top-level `key = value` expression.
type keyVal struct {
	key    string // canonical key, as configs.Index names it
	parts  []span
	start  int // first byte of the key
	end    int // end of the value
	vstart int // first byte of the value
	kind   unstable.Kind
	// strs lists the single-line string tokens of the value: the value
	// itself, or the elements of an array of strings.
	strs []strToken
}

// span is a byte range with its text.
type span struct {
	start, end int
	text       string
}

// strToken is one single-line string literal: [start, end) includes the
// quotes; value is the decoded string.
type strToken struct {
	start, end int
	value      string
	index      int // array index, or -1 for a scalar value
}

func (t strToken) basic(src []byte) bool { return src[t.start] == '"' }

// parseLayout returns nil when the file does not parse.
func parseLayout(src []byte) *layout {
	lay := &layout{src: src, eol: "\n", firstHeader: len(src)}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		lay.eol = "\r\n"
	}
	root := &section{}
	lay.sections = []*section{root}
	cur := root
	arrays := map[string]int{}
	resolve := func(parts []span) string {
		path := ""
		for _, p := range parts {
			path = join(path, configs.QuotePart(p.text))
			if n := arrays[path]; n > 0 {
				path += "[" + strconv.Itoa(n-1) + "]"
			}
		}
		return path
	}
	var p unstable.Parser
	p.Reset(src)
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts := keySpans(expr)
			if len(parts) == 0 {
				return nil
			}
			s := &section{header: true, array: expr.Kind == unstable.ArrayTable, parts: parts}
			s.start = lay.lineStart(parts[0].start)
			s.lineTo = lay.lineEnd(parts[len(parts)-1].end)
			if s.array {
				parent := resolve(parts[:len(parts)-1])
				path := join(parent, configs.QuotePart(parts[len(parts)-1].text))
				n := arrays[path]
				arrays[path] = n + 1
				s.path = path + "[" + strconv.Itoa(n) + "]"
			} else {
				s.path = resolve(parts)
			}
			if len(lay.sections) == 1 {
				lay.firstHeader = s.start
			}
			lay.sections = append(lay.sections, s)
			cur = s
		case unstable.KeyValue:
			parts := keySpans(expr)
			if len(parts) == 0 {
				return nil
			}
			names := make([]string, len(parts))
			for i, pt := range parts {
				names[i] = pt.text
			}
			v := expr.Value()
			kv := &keyVal{
				key:   join(cur.path, configs.JoinParts(names)),
				parts: parts,
				start: parts[0].start,
				end:   int(expr.Raw.Offset + expr.Raw.Length),
				kind:  v.Kind,
			}
			kv.vstart = min(lay.valueStart(parts[len(parts)-1].end), kv.end)
			switch v.Kind {
			case unstable.String:
				if t, ok := lay.strToken(v, -1); ok {
					kv.strs = append(kv.strs, t)
				}
			case unstable.Array:
				i := 0
				for it := v.Children(); it.Next(); {
					c := it.Node()
					if c.Kind == unstable.Comment {
						continue
					}
					if c.Kind == unstable.String {
						if t, ok := lay.strToken(c, i); ok {
							kv.strs = append(kv.strs, t)
						}
					}
					i++
				}
			}
			cur.keys = append(cur.keys, kv)
		}
	}
	if p.Error() != nil {
		return nil
	}
	return lay
}

func (lay *layout) strToken(n *unstable.Node, index int) (strToken, bool) {
	start, end := int(n.Raw.Offset), int(n.Raw.Offset+n.Raw.Length)
	raw := lay.src[start:end]
	if len(raw) < 2 || bytes.HasPrefix(raw, []byte(`"""`)) || bytes.HasPrefix(raw, []byte(`'''`)) {
		return strToken{}, false
	}
	return strToken{start: start, end: end, value: string(n.Data), index: index}, true
}

// keySpans returns the parts of an expression's key with their ranges.
func keySpans(n *unstable.Node) []span {
	var out []span
	for it := n.Key(); it.Next(); {
		k := it.Node()
		out = append(out, span{start: int(k.Raw.Offset), end: int(k.Raw.Offset + k.Raw.Length), text: string(k.Data)})
	}
	return out
}

// valueStart finds the value after the '=' that follows a key.
func (lay *layout) valueStart(keyEnd int) int {
	i := keyEnd
	for i < len(lay.src) && lay.src[i] != '=' {
		i++
	}
	i++
	for i < len(lay.src) && (lay.src[i] == ' ' || lay.src[i] == '\t') {
		i++
	}
	return i
}

func (lay *layout) lineStart(off int) int {
	return bytes.LastIndexByte(lay.src[:off], '\n') + 1
}

// lineEnd returns the offset after the newline that ends the line holding
// off, or the end of the file.
func (lay *layout) lineEnd(off int) int {
	if off > len(lay.src) {
		return len(lay.src)
	}
	i := bytes.IndexByte(lay.src[off:], '\n')
	if i < 0 {
		return len(lay.src)
	}
	return off + i + 1
}

// section returns the section with the canonical path, or nil.
func (lay *layout) section(path string) *section {
	for _, s := range lay.sections {
		if s.path == path {
			return s
		}
	}
	return nil
}

// sectionBySchema returns the first section whose schema key is sk
// ("region_engine[].mito"), or nil.
func (lay *layout) sectionBySchema(sk string) *section {
	for _, s := range lay.sections {
		if (s.header || s.path == "") && configs.SchemaKey(s.path) == sk {
			return s
		}
	}
	return nil
}

// keyAt returns the key/value with the canonical key, or nil.
func (lay *layout) keyAt(key string) *keyVal {
	for _, s := range lay.sections {
		for _, kv := range s.keys {
			if kv.key == key {
				return kv
			}
		}
	}
	return nil
}

// has reports whether any key or header at or below the schema key sk is
// written.
func (lay *layout) has(sk string) bool {
	for _, s := range lay.sections {
		if s.header && covers(sk, configs.SchemaKey(s.path)) {
			return true
		}
		for _, kv := range s.keys {
			if covers(sk, configs.SchemaKey(kv.key)) || covers(configs.SchemaKey(kv.key), sk) {
				return true
			}
		}
	}
	return false
}

// covers reports whether key is parent or equal to sub.
func covers(key, sub string) bool {
	if len(sub) < len(key) || sub[:len(key)] != key {
		return false
	}
	rest := sub[len(key):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}

// end returns the offset after the last line of the section's content:
// the end of its last key's line, or of the header line.
func (s *section) end(lay *layout) int {
	if n := len(s.keys); n > 0 {
		return lay.lineEnd(s.keys[n-1].end)
	}
	if s.header {
		return s.lineTo
	}
	return 0
}

// lines returns the whole lines a key/value spans, newline included.
func (kv *keyVal) lines(lay *layout) (int, int) {
	return lay.lineStart(kv.start), lay.lineEnd(kv.end)
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}
