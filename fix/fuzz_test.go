package fix

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

// FuzzTOML: fixing never panics, and never turns a file that parses into
// one that does not.
func FuzzTOML(f *testing.F) {
	ins, _ := filepath.Glob("testdata/golden/*.in.toml")
	for _, in := range ins {
		b, _ := os.ReadFile(in)
		f.Add(b)
	}
	f.Add([]byte("a = { x = 1,\n}\nb = \"\\e\"\n"))
	f.Add([]byte("\ufeff[http_options]\naddr = 1\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		res, err := TOML("datanode.toml", src, configs.Datanode)
		if err != nil {
			return
		}
		before, _ := configs.Load("datanode.toml", src, configs.Datanode)
		after, _ := configs.Load("datanode.toml", res.Fixed, configs.Datanode)
		if before != nil && before.SyntaxError == nil && (after == nil || after.SyntaxError != nil) {
			t.Fatalf("fix broke a file that parsed:\n%q\n->\n%q", src, res.Fixed)
		}
		if _, _, err := YAML([]byte("spec:\n  datanode:\n    config: |\n      " + string(src) + "\n")); err != nil {
			return
		}
	})
}
