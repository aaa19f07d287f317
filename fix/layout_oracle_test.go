package fix

import (
	"bytes"
	"strconv"

	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// This file keeps parseLayout and Attach as they were before the layout
// walk allocated in blocks and Attach worked out only the fixes a finding
// can take: the tests compare old and new.

// textSpan is a key part as the old walk kept it: its range and text.
type textSpan struct {
	span
	text string
}

func spansOf(ts []textSpan) []span {
	if ts == nil {
		return nil
	}
	out := make([]span, len(ts))
	for i, t := range ts {
		out[i] = t.span
	}
	return out
}

// attachOld is Attach as it was: every fix of the file worked out.
func attachOld(f *configs.File, findings []report.Finding) {
	if f == nil || len(findings) == 0 {
		return
	}
	fixes := Compute(f)
	if len(fixes) == 0 {
		return
	}
	secrets := configs.Secrets(f)
	lt := newLines(f.Source)
	byKey := map[[2]string]*report.Fix{}
	for _, fx := range fixes {
		k := [2]string{fx.Rule, fx.Key}
		if fx.Key == "" || byKey[k] != nil || holdsSecret(fx, secrets) {
			continue
		}
		rf := &report.Fix{Description: fx.Description}
		for _, e := range fx.Edits {
			rf.Edits = append(rf.Edits, report.FixEdit{
				Range: report.FixRange{
					Start: lt.pos(f.Path, e.Start), End: lt.pos(f.Path, e.End),
					StartOffset: e.Start, EndOffset: e.End,
				},
				Replacement: e.Text,
			})
		}
		byKey[k] = rf
	}
	for i := range findings {
		if fd := &findings[i]; fd.Pos.File == f.Path {
			if rf := byKey[[2]string{fd.Rule, fd.Key}]; rf != nil {
				fd.Fix = rf
			}
		}
	}
}

// parseLayoutOld is parseLayout as it was.
func parseLayoutOld(src []byte) *layout {
	lay := &layout{src: src, eol: "\n", firstHeader: len(src)}
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		lay.eol = "\r\n"
	}
	root := &section{}
	lay.sections = []*section{root}
	cur := root
	arrays := map[string]int{}
	resolve := func(parts []textSpan) string {
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
			tparts := keySpansOld(expr)
			parts := spansOf(tparts)
			if len(parts) == 0 {
				return nil
			}
			s := &section{header: true, array: expr.Kind == unstable.ArrayTable, parts: parts}
			s.start = lay.lineStart(parts[0].start)
			s.lineTo = lay.lineEnd(parts[len(parts)-1].end)
			if s.array {
				parent := resolve(tparts[:len(tparts)-1])
				path := join(parent, configs.QuotePart(tparts[len(tparts)-1].text))
				n := arrays[path]
				arrays[path] = n + 1
				s.path = path + "[" + strconv.Itoa(n) + "]"
			} else {
				s.path = resolve(tparts)
			}
			if len(lay.sections) == 1 {
				lay.firstHeader = s.start
			}
			lay.sections = append(lay.sections, s)
			cur = s
		case unstable.KeyValue:
			tparts := keySpansOld(expr)
			parts := spansOf(tparts)
			if len(parts) == 0 {
				return nil
			}
			names := make([]string, len(parts))
			for i, pt := range tparts {
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

// keySpansOld returns the parts of an expression's key with their ranges.
func keySpansOld(n *unstable.Node) []textSpan {
	var out []textSpan
	for it := n.Key(); it.Next(); {
		k := it.Node()
		out = append(out, textSpan{span: span{start: int(k.Raw.Offset), end: int(k.Raw.Offset + k.Raw.Length)}, text: string(k.Data)})
	}
	return out
}
