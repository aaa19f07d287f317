package fix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stepstone-dev/stepstone/configs"
)

// Block is one TOML config held in a YAML literal block scalar: a
// GreptimeDBCluster's spec.<component>.config or a Helm chart's
// <component>.configData.
type Block struct {
	// Field is the dotted path of the scalar ("spec.meta.config").
	Field     string
	Component configs.Component
	Result    Result
	// Err is set when the block could not be fixed (its component cannot
	// be told, or its lines are not where the YAML node says).
	Err error
}

// componentFields maps the YAML keys that hold a component's settings to
// the component, for GreptimeDBCluster specs and the Helm chart's values.
var componentFields = map[string]configs.Component{
	"meta": configs.Metasrv, "datanode": configs.Datanode, "datanodeGroups": configs.Datanode,
	"frontend": configs.Frontend, "frontendGroups": configs.Frontend, "flownode": configs.Flownode,
	"standalone": configs.Standalone,
}

// YAML fixes the TOML in every literal block scalar named config or
// configData, changing only the block's lines that change, each written
// with the block's indentation and the file's line ending. Other styles
// (quoted, folded) are left alone: their text is not the file's lines.
func YAML(src []byte) ([]byte, []Block, error) {
	lines := splitLines(src)
	var blocks []Block
	var fixes []Fix
	dec := yaml.NewDecoder(bytes.NewReader(src))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return src, blocks, fmt.Errorf("could not read YAML: %w", err)
		}
		standalone := false
		if len(doc.Content) > 0 {
			standalone = mapValue(doc.Content[0], "kind") == "GreptimeDBStandalone"
		}
		walkYAML(&doc, "", "", func(field, comp string, n *yaml.Node) {
			c := componentFields[comp]
			if c == "" && standalone {
				c = configs.Standalone
			}
			b := Block{Field: field, Component: c}
			fx, err := fixBlock(src, lines, n, c, &b)
			b.Err = err
			fixes = append(fixes, fx...)
			blocks = append(blocks, b)
		})
	}
	out, _, _ := Apply(src, fixes)
	return out, blocks, nil
}

func mapValue(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// walkYAML calls fn for each literal block scalar under a config or
// configData key, with the nearest component key above it.
func walkYAML(n *yaml.Node, path, comp string, fn func(field, comp string, n *yaml.Node)) {
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkYAML(c, path, comp, fn)
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			field := k
			if path != "" {
				field = path + "." + k
			}
			c := comp
			if _, ok := componentFields[k]; ok {
				c = k
			}
			if (k == "config" || k == "configData") && v.Kind == yaml.ScalarNode && v.Style&yaml.LiteralStyle != 0 {
				fn(field, c, v)
				continue
			}
			walkYAML(v, field, c, fn)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			walkYAML(c, fmt.Sprintf("%s[%d]", path, i), comp, fn)
		}
	}
}

// fixBlock returns the YAML edits that carry the fixed TOML of block n
// into the file.
func fixBlock(src []byte, lines []string, n *yaml.Node, comp configs.Component, b *Block) ([]Fix, error) {
	toml := n.Value
	tomlLines := splitLines([]byte(toml))
	first := n.Line // 0-based index of the block's first content line
	indent := blockIndent(lines, n)
	if indent < 0 || first+len(tomlLines) > len(lines) {
		return nil, fmt.Errorf("%s: the block's lines could not be found", b.Field)
	}
	eol := "\n"
	for i, tl := range tomlLines {
		yl := lines[first+i]
		content := strings.TrimRight(yl, "\r\n")
		if strings.HasSuffix(yl, "\r\n") {
			eol = "\r\n"
		}
		want := strings.TrimSuffix(tl, "\n")
		if !(strings.TrimSpace(want) == "" && strings.TrimSpace(content) == "") &&
			(len(content) < indent || strings.TrimLeft(content[:indent], " ") != "" || content[indent:] != want) {
			return nil, fmt.Errorf("%s: line %d of the block is not where the YAML says", b.Field, first+i+1)
		}
	}
	res, err := TOML(b.Field, []byte(toml), comp)
	b.Result = res
	if err != nil || len(res.Applied) == 0 {
		return nil, err
	}
	newLines := splitLines(res.Fixed)
	offsets := make([]int, len(lines)+1)
	for i, l := range lines {
		offsets[i+1] = offsets[i] + len(l)
	}
	pad := strings.Repeat(" ", indent)
	var edits []Edit
	ops := diffLines(tomlLines, newLines)
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		a0 := ops[i].a
		var text strings.Builder
		a1 := a0
		for ; i < len(ops) && ops[i].kind != ' '; i++ {
			if ops[i].kind == '-' {
				a1 = ops[i].a + 1
				continue
			}
			l := strings.TrimSuffix(newLines[ops[i].b], "\n")
			if strings.TrimSpace(l) != "" {
				text.WriteString(pad + l)
			}
			text.WriteString(eol)
		}
		start, end := offsets[first+a0], offsets[first+a0]
		if a1 > a0 {
			end = offsets[first+a1]
		}
		t := text.String()
		if start == len(src) && start > 0 && src[start-1] != '\n' {
			t = eol + t
		}
		edits = append(edits, Edit{Start: start, End: end, Text: t})
	}
	return []Fix{{Rule: "fix", Key: b.Field, Description: "fix the config in " + b.Field, Edits: edits}}, nil
}

// blockIndent finds the indentation of a literal block: an explicit
// indicator ("|2") counts from the parent's indentation, else it is that
// of the first non-blank content line (YAML 1.2, section 8.1.1.1).
func blockIndent(lines []string, n *yaml.Node) int {
	if n.Line < 1 || n.Line > len(lines) {
		return -1
	}
	header := strings.TrimRight(lines[n.Line-1], "\r\n")
	if n.Column-1 < len(header) {
		ind := strings.TrimLeft(header[n.Column-1:], "|>")
		for _, r := range ind {
			if r >= '1' && r <= '9' {
				return len(header) - len(strings.TrimLeft(header, " ")) + int(r-'0')
			}
			if r != '-' && r != '+' {
				break
			}
		}
	}
	for i := n.Line; i < len(lines); i++ {
		if l := strings.TrimRight(lines[i], "\r\n"); strings.TrimSpace(l) != "" {
			return len(l) - len(strings.TrimLeft(l, " "))
		}
	}
	return -1
}
