package kube

import "strings"

// texts returns the text of the file the cluster was read from, by the
// name its findings carry, so that stepstone:ignore comments written in
// the manifest (or the Helm values), config blocks included, apply. A
// resource read from the API server has none.
func (c *Cluster) texts() map[string][]byte {
	var ix *yamlIndex
	switch l := c.loc.(type) {
	case *yamlIndex:
		ix = l
	case *valuesLocator:
		ix = l.yamlIndex
	}
	if ix == nil {
		return map[string][]byte{}
	}
	return map[string][]byte{ix.file: []byte(strings.Join(ix.lines, "\n"))}
}
