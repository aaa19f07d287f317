package lint_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stepstone-dev/stepstone/lint"
)

// TestRuleFiles checks that a rule id leads to its code by file name: each
// rule is declared in the file of its family, that file is named after the
// family's lead rule (the first one it declares), unknown-key in
// unknown_key.go, and every other rule the file declares is listed, in
// order, under its lead in lint.Families, so every rule id is either the
// lead of its file or found through that one table.
func TestRuleFiles(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]string{} // rule id -> file
	leads := map[string]bool{}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		af, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, d := range af.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.VAR {
				continue
			}
			for _, spec := range gd.Specs {
				for _, v := range spec.(*ast.ValueSpec).Values {
					if id := ruleID(v); id != "" {
						ids = append(ids, id)
						declared[id] = name
					}
				}
			}
		}
		if len(ids) == 0 {
			continue
		}
		if want := strings.ReplaceAll(ids[0], "-", "_") + ".go"; name != want {
			t.Errorf("%s declares rules %v: name it %s, after its lead rule %s", name, ids, want, ids[0])
		}
		leads[ids[0]] = true
		if got := lint.Families[ids[0]]; strings.Join(got, " ") != strings.Join(ids[1:], " ") {
			t.Errorf("%s declares %v after its lead %s, but lint.Families lists %v: make them agree", name, ids[1:], ids[0], got)
		}
	}
	for lead := range lint.Families {
		if !leads[lead] {
			t.Errorf("lint.Families lists %s as a lead, but no file leads with it", lead)
		}
	}
	for _, r := range lint.AllRules() {
		if declared[r.ID] == "" {
			t.Errorf("rule %s is not declared as a var in a file of package lint", r.ID)
		}
	}
}

// ruleID returns the ID of a &Rule{...} or &ClusterRule{...} literal.
func ruleID(e ast.Expr) string {
	u, ok := e.(*ast.UnaryExpr)
	if !ok {
		return ""
	}
	cl, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return ""
	}
	if id, ok := cl.Type.(*ast.Ident); !ok || (id.Name != "Rule" && id.Name != "ClusterRule") {
		return ""
	}
	for _, el := range cl.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		if k, ok := kv.Key.(*ast.Ident); !ok || k.Name != "Rule" {
			continue
		}
		inner, ok := kv.Value.(*ast.CompositeLit)
		if !ok {
			continue
		}
		for _, f := range inner.Elts {
			fkv, ok := f.(*ast.KeyValueExpr)
			if !ok {
				continue
			}
			if k, ok := fkv.Key.(*ast.Ident); ok && k.Name == "ID" {
				if lit, ok := fkv.Value.(*ast.BasicLit); ok {
					s, _ := strconv.Unquote(lit.Value)
					return s
				}
			}
		}
	}
	return ""
}
