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

// span is a byte range.
type span struct {
	start, end int
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
	resolve := func(names []string) string {
		path := ""
		for _, name := range names {
			path = join(path, configs.QuotePart(name))
			if n := arrays[path]; n > 0 {
				path += "[" + strconv.Itoa(n-1) + "]"
			}
		}
		return path
	}
	var al layoutAlloc
	var names []string
	var p unstable.Parser
	p.Reset(src)
	for p.NextExpression() {
		expr := p.Expression()
		switch expr.Kind {
		case unstable.Table, unstable.ArrayTable:
			parts := al.keySpans(expr)
			if len(parts) == 0 {
				return nil
			}
			s := &section{header: true, array: expr.Kind == unstable.ArrayTable, parts: parts}
			s.start = lay.lineStart(parts[0].start)
			s.lineTo = lay.lineEnd(parts[len(parts)-1].end)
			names = names[:0]
			for it := expr.Key(); it.Next(); {
				names = append(names, string(it.Node().Data))
			}
			if s.array {
				parent := resolve(names[:len(names)-1])
				path := join(parent, configs.QuotePart(names[len(names)-1]))
				n := arrays[path]
				arrays[path] = n + 1
				s.path = path + "[" + strconv.Itoa(n) + "]"
			} else {
				s.path = resolve(names)
			}
			if len(lay.sections) == 1 {
				lay.firstHeader = s.start
			}
			lay.sections = append(lay.sections, s)
			cur = s
		case unstable.KeyValue:
			parts := al.keySpans(expr)
			if len(parts) == 0 {
				return nil
			}
			// The canonical key, join(cur.path, configs.JoinParts(names)),
			// built in one piece.
			al.key = append(al.key[:0], cur.path...)
			for it := expr.Key(); it.Next(); {
				if len(al.key) > 0 {
					al.key = append(al.key, '.')
				}
				al.key = appendKeyPart(al.key, it.Node().Data)
			}
			v := expr.Value()
			kv := al.keyVal()
			*kv = keyVal{
				key:   string(al.key),
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
				for i, c := range configs.ArrayElements(v) {
					if c.Kind == unstable.String {
						if t, ok := lay.strToken(c, i); ok {
							kv.strs = append(kv.strs, t)
						}
					}
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

// layoutAlloc hands out key spans and key/values from blocks: a config
// has hundreds of keys, and one allocation each made the walk spend as
// much time allocating as parsing.
type layoutAlloc struct {
	spans []span
	kvs   []keyVal
	key   []byte // scratch for a canonical key
}

// keySpans returns the parts of an expression's key with their ranges.
func (a *layoutAlloc) keySpans(n *unstable.Node) []span {
	k := 0
	for it := n.Key(); it.Next(); {
		k++
	}
	if k == 0 {
		return nil
	}
	if cap(a.spans)-len(a.spans) < k {
		a.spans = make([]span, 0, max(64, k))
	}
	start := len(a.spans)
	for it := n.Key(); it.Next(); {
		kn := it.Node()
		a.spans = append(a.spans, span{start: int(kn.Raw.Offset), end: int(kn.Raw.Offset + kn.Raw.Length)})
	}
	// Capped, so that appending to one key's parts never writes over the
	// next key's.
	return a.spans[start:len(a.spans):len(a.spans)]
}

// appendKeyPart appends a raw key part as configs.QuotePart writes it:
// bare when it can be, else quoted.
func appendKeyPart(dst, part []byte) []byte {
	bare := len(part) > 0
	for _, c := range part {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			bare = false
			break
		}
	}
	if bare {
		return append(dst, part...)
	}
	return strconv.AppendQuote(dst, string(part))
}

func (a *layoutAlloc) keyVal() *keyVal {
	if len(a.kvs) == cap(a.kvs) {
		a.kvs = make([]keyVal, 0, 32)
	}
	a.kvs = a.kvs[:len(a.kvs)+1]
	return &a.kvs[len(a.kvs)-1]
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
