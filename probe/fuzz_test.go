package probe

// FuzzTargets lists live targets of fuzzed TOML: it reads the same values
// the rules read and must not panic either (nothing is dialled here). Run
// it through scripts/fuzz.sh.

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stepstone-dev/stepstone/configs"
)

func FuzzTargets(f *testing.F) {
	examples, _ := filepath.Glob("../../shared/greptime-configs/upstream/*.example.toml")
	if len(examples) == 0 {
		f.Fatalf("no upstream examples: the GreptimeDB reference configs must be checked out at ../shared beside the repository")
	}
	for i, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatalf("read seed %s: %v", p, err)
		}
		f.Add(data, uint8(i))
	}
	f.Add([]byte("[storage\n"), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		comp := configs.Components[int(pick)%len(configs.Components)]
		file, err := configs.Load("fuzz.toml", data, comp)
		if err != nil {
			t.Fatalf("Load with component %q: %v", comp, err)
		}
		for _, tg := range Targets(file, Options{}) {
			if _, ok := Registry[tg.Kind]; !ok || tg.Kind == "" {
				t.Fatalf("target %v has no probe", tg)
			}
		}
	})
}
