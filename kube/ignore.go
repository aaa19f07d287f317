package kube

import (
	"strings"

	"github.com/stepstone-dev/stepstone/report"
	"github.com/stepstone-dev/stepstone/run"
)

// IgnoreAnnotation on a GreptimeDBCluster accepts findings of that
// cluster, its resource rules and its components' configs alike, as a
// file-level stepstone:ignore comment accepts those of a file. Its value
// is one suppression per line (or separated by ";"):
//
//	metadata:
//	  annotations:
//	    stepstone.greptime.io/ignore: |
//	      crd-plaintext-credentials dev cluster, throwaway keys until=2026-12-31
//	      unknown-key,renamed-key set by our Helm wrapper
//
// It is read from resources read from the API server, which have no
// comments; in a manifest (cluster -f), write # stepstone:ignore comments.
const IgnoreAnnotation = "stepstone.greptime.io/ignore"

// resource returns the resource report of c as run.Run takes it: with the
// manifest's text for its comments, the file its .stepstone.toml is looked
// up from, and the ignore annotation of a resource read from the API
// server.
func (c *Cluster) resource(rep report.ComponentReport) run.Resource {
	res := run.Resource{Report: rep, Texts: c.texts()}
	if !c.remote {
		res.Path = c.Source
		return res
	}
	v, _ := get(c.Object, "metadata.annotations")
	ann, _ := v.(map[string]any)
	text, _ := ann[IgnoreAnnotation].(string)
	if ds := run.ParseSuppressions(text); len(ds) > 0 {
		ref := c.Ref()
		res.Scoped = []run.Scoped{{
			Where: ref + " annotation " + IgnoreAnnotation,
			Pos:   report.Position{File: ref + " metadata.annotations." + IgnoreAnnotation},
			// Findings of a resource read from the API server name
			// their file "REF FIELD".
			Covers:     func(file string) bool { return file == ref || strings.HasPrefix(file, ref+" ") },
			Directives: ds,
		}}
	}
	return res
}
