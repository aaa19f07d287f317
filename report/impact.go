package report

// Change is one effective value a config change alters, classified by
// what it does to a running cluster. impact.Compare builds them; the diff
// command and the PR comment print them.
type Change struct {
	Key string `json:"key"`
	// Old and New are the effective values as shown to people: secrets
	// are "(secret)", an unset key with no default is "(unset)".
	Old string `json:"old"`
	New string `json:"new"`
	// OldOrigin and NewOrigin say where each value comes from: a file
	// position, "env VAR" or "default".
	OldOrigin string `json:"old_origin,omitempty"`
	NewOrigin string `json:"new_origin,omitempty"`
	// Dangerous marks a change that can lose or strand data or metadata
	// of a running cluster; Reason says how.
	Dangerous bool   `json:"dangerous"`
	Reason    string `json:"reason,omitempty"`
}

// ConfigChanges is what a change does to one config file.
type ConfigChanges struct {
	File      string   `json:"file"`
	Component string   `json:"component"`
	Changes   []Change `json:"changes"`
	// Status is "changed", "added" (the file is new) or "removed".
	Status string `json:"status"`
}

// Dangerous counts the dangerous changes.
func (c ConfigChanges) Dangerous() int {
	n := 0
	for _, ch := range c.Changes {
		if ch.Dangerous {
			n++
		}
	}
	return n
}
