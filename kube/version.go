package kube

import (
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// The GreptimeDB release each component runs is read from its image: the
// component's own spec.<component>.template.main.image, else
// spec.base.main.image (which Helm values' image.tag becomes). An
// explicit --greptimedb-version overrides both.

// VersionOptions are the plugin's share of --greptimedb-version, --edition
// and --placeholder.
type VersionOptions struct {
	// Version, when set, overrides the image tags.
	Version      *configs.Version
	Enterprise   bool
	Placeholders []string
}

// imageOf returns the image comp's pods run and the field it came from.
func (c *Cluster) imageOf(comp Component) (image, field string) {
	for _, p := range []string{comp.Path + ".template.main.image", "spec.base.main.image"} {
		if s := strings.TrimSpace(c.str(p)); s != "" {
			return s, p
		}
	}
	return "", ""
}

// versionOf picks the release comp is judged by.
func (c *Cluster) versionOf(comp Component, vo VersionOptions) *configs.Version {
	if vo.Version != nil {
		return vo.Version
	}
	image, field := c.imageOf(comp)
	if image == "" {
		v := configs.DefaultVersion()
		v.Source = "default: the newest stable release (no image in " + c.fieldName("spec.base.main.image") + ")"
		return v
	}
	return configs.VersionFromImage(image, "image tag of "+comp.Label()+" ("+c.fieldName(field)+")")
}

// applyVersions sets the release, edition and placeholder patterns on the
// configs of every component.
func applyVersions(c *Cluster, cfgs []*Config, vo VersionOptions) {
	for _, cfg := range cfgs {
		v := c.versionOf(cfg.Component, vo)
		for _, f := range []*configs.File{cfg.File, cfg.User} {
			if f == nil {
				continue
			}
			f.Version, f.Enterprise = v, vo.Enterprise
			f.Placeholders = append(f.Placeholders, vo.Placeholders...)
		}
	}
}

// versionInfo is the report's record of the release cfg is judged by.
func versionInfo(cfg *Config) *report.GreptimeDBVersion {
	v := cfg.File.Version
	if v == nil {
		v = configs.DefaultVersion()
	}
	return &report.GreptimeDBVersion{Version: v.String(), Source: v.Source, Note: v.Note}
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
