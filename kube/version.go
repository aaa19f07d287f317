package kube

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/run"
)

// The GreptimeDB release each component runs is read from its image: the
// component's own spec.<component>.template.main.image, else
// spec.base.main.image (which Helm values' image.tag becomes). A release
// chosen with --greptimedb-version (run.Options.GreptimeDBVersion)
// overrides both; run.Run adds the edition and placeholder patterns.

// imageOf returns the image comp's pods run and the field it came from.
func (c *Cluster) imageOf(comp Component) (image, field string) {
	for _, p := range []string{comp.Path + ".template.main.image", "spec.base.main.image"} {
		if s := strings.TrimSpace(c.str(p)); s != "" {
			return s, p
		}
	}
	return "", ""
}

// versionOf picks the release comp is judged by when none was chosen.
func (c *Cluster) versionOf(comp Component) *configs.Version {
	image, field := c.imageOf(comp)
	if image == "" {
		v := configs.DefaultVersion()
		v.Source = "default: the newest stable release (no image in " + c.fieldName("spec.base.main.image") + ")"
		return v
	}
	return configs.VersionFromImage(image, "image tag of "+comp.Label()+" ("+c.fieldName(field)+")")
}

// applyVersions sets the release on the configs of every component, so
// that the rules read each as the release its pods run. The env overrides
// are read again: which of them are lists depends on the release.
func applyVersions(c *Cluster, cfgs []*Config, o run.Options) {
	for _, cfg := range cfgs {
		v := o.GreptimeDBVersion
		if v == nil {
			v = c.versionOf(cfg.Component)
		}
		for _, f := range []*configs.File{cfg.File, cfg.User} {
			if f != nil {
				f.Version = v
			}
		}
		if cfg.File != nil && cfg.File.Env != nil {
			configs.ApplyEnv(cfg.File, cfg.Env, "")
		}
	}
}

// helmImage turns the chart's image.registry, image.repository and
// image.tag into the image the chart deploys, for spec.base.main.image.
func helmImage(values *yaml.Node) (key, val *yaml.Node) {
	k, tag := lookup(values, "image.tag")
	if empty(tag) {
		return nil, nil
	}
	repo := "greptime/greptimedb"
	if _, r := lookup(values, "image.repository"); !empty(r) {
		repo = r.Value
	}
	if _, reg := lookup(values, "image.registry"); !empty(reg) {
		repo = reg.Value + "/" + repo
	}
	return k, scalar(repo+":"+tag.Value, tag)
}
