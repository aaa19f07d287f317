package report

import "strings"

// ResourcePrefix starts the "file" of a position on a GreptimeDBCluster
// read from the API server, which has no file and no lines: kubectl's
// reference, then the field, as in
// "greptimedbcluster/demo -n prod spec.datanode.config".
const ResourcePrefix = "greptimedbcluster/"

// LiveResource splits a position's file naming a live resource into its
// namespace, name and field (the field may be ""). ok is false for a file
// path, including a manifest given with -f: only a resource read from a
// cluster carries its namespace as " -n ".
func LiveResource(file string) (namespace, name, field string, ok bool) {
	rest, found := strings.CutPrefix(file, ResourcePrefix)
	if !found {
		return "", "", "", false
	}
	name, rest, found = strings.Cut(rest, " -n ")
	if !found || name == "" || strings.ContainsAny(name, " /") {
		return "", "", "", false
	}
	namespace, field, _ = strings.Cut(rest, " ")
	if namespace == "" {
		return "", "", "", false
	}
	return namespace, name, field, true
}
