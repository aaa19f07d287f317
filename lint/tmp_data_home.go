package lint

import (
	"path"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// Before v0.14 GreptimeDB kept its data under /tmp/greptimedb/ by default
// (#5719), and old configs still carry that path. /tmp is often a tmpfs or
// cleaned at boot, so whatever lives there is gone after a reboot.

// dataPathKeys are the schema keys that name a directory GreptimeDB keeps
// data, logs or caches in.
var dataPathKeys = map[string]bool{
	"data_home":                             true,
	"storage.data_home":                     true,
	"storage.cache_path":                    true,
	"storage.providers[].cache_path":        true,
	"logging.dir":                           true,
	"wal.dir":                               true,
	"metadata_store.dir":                    true,
	"procedure.dir":                         true,
	"region_engine[].mito.write_cache_path": true,
	"region_engine[].mito.index.aux_path":   true,
	"region_engine[].mito.inverted_index.intermediate_path": true,
}

var ruleTmpDataHome = &Rule{
	Rule: report.Rule{
		ID:       "tmp-data-home",
		Severity: report.Warning,
		Summary:  "data, WAL, log or cache directory under /tmp, which is lost on reboot",
		Help:     `use a persistent directory, such as "/var/lib/greptimedb" or a mounted volume`,
	},
	Check: func(c *Context) {
		for _, v := range specValues(c) {
			// The value first: few are paths under /tmp, and looking at
			// it is cheaper than looking the key up.
			s, ok := v.val.(string)
			if !ok || !underTmp(s) || !dataPathKeys[v.sk] {
				continue
			}
			v.report(c, "", "%s %q is under /tmp, which is usually cleared on reboot", displayKey(v.key), s)
		}
	},
}

// underTmp reports whether p is /tmp or below it.
func underTmp(p string) bool {
	if !strings.HasPrefix(p, "/") {
		return false
	}
	p = path.Clean(p)
	return p == "/tmp" || strings.HasPrefix(p, "/tmp/")
}
