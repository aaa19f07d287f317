package fix

import (
	"github.com/stepstone-dev/stepstone/configs"
)

// maxRounds bounds how often TOML is fixed again after a round of fixes:
// a fix dropped for overlapping another (a rename and a respelled value on
// one line) applies in the next round. Fixes converge in two rounds; the
// bound only guards against a producer that would undo itself.
const maxRounds = 4

// Result is what fixing one TOML text did.
type Result struct {
	// Fixed is the new text; it is the input itself when nothing changed.
	Fixed   []byte
	Applied []Fix
	// Dropped lists fixes of the last round that could not be applied.
	Dropped []Dropped
}

// TOML fixes a config's text until nothing more changes. comp may be
// empty to detect the component as lint does. A file that does not load
// (the component cannot be told) comes back unchanged with the error.
func TOML(path string, src []byte, comp configs.Component) (Result, error) {
	res := Result{Fixed: src}
	for round := 0; round < maxRounds; round++ {
		f, err := configs.Load(path, res.Fixed, comp)
		if err != nil {
			return res, err
		}
		comp = f.Component
		fixes := Compute(f)
		if len(fixes) == 0 {
			res.Dropped = nil
			return res, nil
		}
		out, applied, dropped := Apply(res.Fixed, fixes)
		res.Dropped = dropped
		if len(applied) == 0 || string(out) == string(res.Fixed) {
			return res, nil
		}
		if f.SyntaxError == nil {
			// A safety net: fixes must never break a file that parsed.
			if g, err := configs.Load(path, out, comp); err != nil || g.SyntaxError != nil {
				for _, a := range applied {
					res.Dropped = append(res.Dropped, Dropped{Fix: a, Reason: "the fixed file would not parse; fix it by hand"})
				}
				return res, nil
			}
		}
		res.Fixed = out
		res.Applied = append(res.Applied, applied...)
	}
	return res, nil
}
