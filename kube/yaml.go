package kube

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/stepstone-dev/stepstone/report"
)

// A locator says where a field of a resource stands, so that findings point
// at the line to change: a line of a manifest in a repository, or, for a
// resource read from the API server, the resource and field by name.
type locator interface {
	// Field returns where the field at path (dotted, with [i] for list
	// elements: "spec.objectStorage.s3.bucket") or its nearest written
	// parent is written.
	Field(path string) report.Position
	// Has reports whether the field at path is written.
	Has(path string) bool
	// Block maps a position inside the string at path (a component's TOML
	// config) to a position in the manifest.
	Block(path string, p report.Position) report.Position
}

// yamlIndex maps field paths of one YAML document to their nodes. The nodes
// may come from another document (Helm values turned into a resource keep
// the values file's nodes), so positions always name the file the user
// wrote.
type yamlIndex struct {
	file  string
	lines []string
	keys  map[string]*yaml.Node
	vals  map[string]*yaml.Node
}

func newYAMLIndex(file string, src []byte, root *yaml.Node) *yamlIndex {
	ix := &yamlIndex{
		file:  file,
		lines: strings.Split(string(src), "\n"),
		keys:  map[string]*yaml.Node{},
		vals:  map[string]*yaml.Node{},
	}
	ix.walk("", nil, root)
	return ix
}

func (ix *yamlIndex) walk(path string, key, n *yaml.Node) {
	if n == nil {
		return
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			ix.walk(path, key, c)
		}
		return
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if path != "" {
		if key == nil {
			key = n
		}
		ix.keys[path], ix.vals[path] = key, n
	}
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			ix.walk(joinPath(path, n.Content[i].Value), n.Content[i], n.Content[i+1])
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			ix.walk(path+"["+strconv.Itoa(i)+"]", nil, c)
		}
	}
}

func joinPath(a, b string) string {
	if a == "" {
		return b
	}
	return a + "." + b
}

// parentPath returns the path one level up: "a.b[1]" -> "a.b", "a.b" -> "a".
func parentPath(p string) string {
	if strings.HasSuffix(p, "]") {
		if i := strings.LastIndexByte(p, '['); i > 0 {
			return p[:i]
		}
	}
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i]
	}
	return ""
}

// Has reports whether the document writes the field at path.
func (ix *yamlIndex) Has(path string) bool {
	_, ok := ix.keys[path]
	return ok
}

// Field returns the line and column of the field's key.
func (ix *yamlIndex) Field(path string) report.Position {
	for p := path; p != ""; p = parentPath(p) {
		if k, ok := ix.keys[p]; ok {
			return report.Position{File: ix.file, Line: k.Line, Col: k.Column}
		}
	}
	return report.Position{File: ix.file}
}

// Block maps a TOML position inside a block scalar ("config: |") to the
// YAML file: the block's content starts on the line after the indicator,
// indented by the block's indentation. Other scalar styles fold lines or
// escape characters, so there the value's own position is the best answer.
func (ix *yamlIndex) Block(path string, p report.Position) report.Position {
	v, ok := ix.vals[path]
	if !ok {
		return ix.Field(path)
	}
	at := report.Position{File: ix.file, Line: v.Line, Col: v.Column}
	if v.Style&yaml.LiteralStyle == 0 || p.Line <= 0 {
		return at
	}
	indent := ix.blockIndent(v)
	if indent < 0 {
		return at
	}
	out := report.Position{File: ix.file, Line: v.Line + p.Line}
	if p.Col > 0 {
		out.Col = indent + p.Col
	}
	return out
}

// blockIndent finds the indentation of a literal block: an explicit
// indicator ("|2") counts from the parent's indentation, else it is that of
// the first non-blank content line (YAML 1.2, section 8.1.1.1).
func (ix *yamlIndex) blockIndent(v *yaml.Node) int {
	if v.Line < 1 || v.Line > len(ix.lines) {
		return -1
	}
	header := ix.lines[v.Line-1]
	if v.Column-1 < len(header) {
		ind := strings.TrimLeft(header[v.Column-1:], "|>")
		for _, r := range ind {
			if r >= '1' && r <= '9' {
				return leadingSpaces(header) + int(r-'0')
			}
			if r != '-' && r != '+' {
				break
			}
		}
	}
	for i := v.Line; i < len(ix.lines); i++ {
		if strings.TrimSpace(ix.lines[i]) != "" {
			return leadingSpaces(ix.lines[i])
		}
	}
	return -1
}

func leadingSpaces(s string) int {
	return utf8.RuneCountInString(s) - utf8.RuneCountInString(strings.TrimLeft(s, " "))
}

// apiLocator names fields of a resource read from the API server, which has
// no lines: "greptimedbcluster/demo spec.objectStorage.s3.bucket", and the
// TOML line and column inside a config string.
type apiLocator struct {
	ref    string
	fields map[string]bool
}

// Has reports whether the object sets the field at path.
func (a *apiLocator) Has(path string) bool { return a.fields[path] }

// Field names the field, or its nearest set parent.
func (a *apiLocator) Field(path string) report.Position {
	for p := path; p != ""; p = parentPath(p) {
		if a.fields[p] {
			return report.Position{File: a.ref + " " + p}
		}
	}
	return report.Position{File: a.ref}
}

// Block keeps the TOML line and column, after the field's name.
func (a *apiLocator) Block(path string, p report.Position) report.Position {
	return report.Position{File: a.ref + " " + path, Line: p.Line, Col: p.Col}
}

// newAPILocator indexes the fields written in an object decoded from JSON.
func newAPILocator(ref string, obj map[string]any) *apiLocator {
	a := &apiLocator{ref: ref, fields: map[string]bool{}}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if path != "" {
			a.fields[path] = true
		}
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(joinPath(path, k), c)
			}
		case []any:
			for i, c := range x {
				walk(path+"["+strconv.Itoa(i)+"]", c)
			}
		}
	}
	walk("", obj)
	return a
}
