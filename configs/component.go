package configs

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
)

// Component is a GreptimeDB role that reads its own TOML file.
type Component string

// The components stepstone knows. Their names match the `greptime <role>`
// subcommands and the env var prefixes (GREPTIMEDB_<ROLE>).
const (
	Metasrv    Component = "metasrv"
	Frontend   Component = "frontend"
	Datanode   Component = "datanode"
	Flownode   Component = "flownode"
	Standalone Component = "standalone"
)

// Components lists every component in a stable order.
var Components = []Component{Metasrv, Frontend, Datanode, Flownode, Standalone}

// ParseComponent accepts a component name, case-insensitively; "meta" is
// taken for metasrv because the operator and Helm chart call it that.
func ParseComponent(s string) (Component, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "metasrv", "meta", "meta-srv":
		return Metasrv, nil
	case "frontend":
		return Frontend, nil
	case "datanode":
		return Datanode, nil
	case "flownode":
		return Flownode, nil
	case "standalone":
		return Standalone, nil
	}
	return "", fmt.Errorf("unknown component %q (want metasrv, frontend, datanode, flownode or standalone)", s)
}

// EnvPrefix is the prefix GreptimeDB reads overrides from for c.
func (c Component) EnvPrefix() string { return "GREPTIMEDB_" + strings.ToUpper(string(c)) }

// detectFromName guesses the component from a file name such as
// "datanode.example.toml" or "cluster__meta.configData.toml". It returns ""
// when the name names none or more than one.
func detectFromName(path string) Component {
	base := strings.ToLower(filepath.Base(path))
	var found []Component
	for _, c := range Components {
		if strings.Contains(base, string(c)) {
			found = append(found, c)
		}
	}
	if len(found) == 0 && (strings.Contains(base, "meta.") || strings.HasPrefix(base, "meta-") || strings.HasPrefix(base, "meta_") || strings.Contains(base, "--meta")) {
		found = append(found, Metasrv)
	}
	if len(found) == 1 {
		return found[0]
	}
	return ""
}

// detectFromKeys guesses the component from the keys a file sets, using keys
// that exist in exactly one component, or a combination that only one has.
func detectFromKeys(tree map[string]any) (Component, error) {
	has := func(k string) bool { _, ok := tree[k]; return ok }
	score := map[Component]int{}
	for _, k := range []string{"backend", "store_addrs", "store_key_prefix", "selector", "meta_table_name", "enable_region_failover", "backend_tls", "failure_detector", "store_addr"} {
		if has(k) {
			score[Metasrv] += 2
		}
	}
	if has("flow") && has("meta_client") {
		score[Flownode] += 3
	}
	if has("metadata_store") {
		score[Standalone] += 3
	}
	storage, region := has("storage"), has("region_engine")
	if has("meta_client") {
		if storage || region || has("require_lease_before_startup") {
			score[Datanode] += 3
		}
		if has("mysql") || has("postgres") || has("prom_store") || has("influxdb") || has("opentsdb") || has("user_provider") {
			score[Frontend] += 3
		}
	} else if (storage || region) && (has("mysql") || has("postgres") || has("prom_store") || has("influxdb")) {
		score[Standalone] += 2
	}
	var best []Component
	max := 0
	for c, s := range score {
		if s > max {
			max, best = s, []Component{c}
		} else if s == max {
			best = append(best, c)
		}
	}
	if len(best) == 1 {
		return best[0], nil
	}
	sort.Slice(best, func(i, j int) bool { return best[i] < best[j] })
	if len(best) == 0 {
		return "", fmt.Errorf("cannot tell which component this config is for: name the file after it (datanode.toml, ...) or pass --component")
	}
	names := make([]string, len(best))
	for i, c := range best {
		names[i] = string(c)
	}
	return "", fmt.Errorf("cannot tell whether this config is for %s: pass --component", strings.Join(names, " or "))
}
