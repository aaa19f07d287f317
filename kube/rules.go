package kube

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// Rule is one check of a GreptimeDBCluster resource, as checks.Rule is for
// a config file. IDs start with "crd-" so that they never clash with the
// config rules and read as being about the resource.
type Rule struct {
	report.Rule
	Check func(c *ruleContext)
}

// resourceRules lists every resource rule in the order they run.
var resourceRules = []*Rule{
	ruleOneObjectStorage,
	ruleOneBackendStorage,
	ruleRequiredField,
	ruleConflictingFields,
	ruleInvalidValue,
	ruleMergeStrategyReset,
	ruleRemovedField,
	ruleSecretNotFound,
	ruleSecretKeys,
	ruleSecretUnchecked,
	rulePasswordURLReserved,
	ruleCredentialsInConfigMap,
	rulePlaintextCredentials,
	ruleConfigOverridden,
	ruleHelmConfigFile,
}

// Rules returns the metadata of every resource rule, for `stepstone rules`,
// SARIF and docs.
func Rules() []report.Rule {
	out := make([]report.Rule, 0, len(resourceRules))
	for _, r := range resourceRules {
		out = append(out, r.Rule)
	}
	return out
}

// ruleContext is what a resource rule sees.
type ruleContext struct {
	c        *Cluster
	configs  []*Config
	rule     *report.Rule
	findings []report.Finding
}

// report adds a finding at the field path with the rule's severity.
func (rc *ruleContext) report(path, suggestion, format string, args ...any) {
	rc.reportSeverity(rc.rule.Severity, path, suggestion, format, args...)
}

func (rc *ruleContext) reportSeverity(sev report.Severity, path, suggestion, format string, args ...any) {
	rc.reportAt(sev, rc.c.loc.Field(path), rc.c.fieldName(path), suggestion, format, args...)
}

func (rc *ruleContext) reportAt(sev report.Severity, pos report.Position, key, suggestion, format string, args ...any) {
	if suggestion == "" {
		suggestion = rc.rule.Help
	}
	rc.findings = append(rc.findings, report.Finding{
		Rule: rc.rule.ID, Severity: sev, Message: fmt.Sprintf(format, args...),
		Suggestion: suggestion, Key: key, Pos: pos,
	})
}

// name is the field's name in messages.
func (rc *ruleContext) name(path string) string { return rc.c.fieldName(path) }

// checkResource runs every resource rule over c and its merged configs.
func checkResource(c *Cluster, cfgs []*Config) []report.Finding {
	rc := &ruleContext{c: c, configs: cfgs}
	for _, r := range resourceRules {
		rc.rule = &r.Rule
		r.Check(rc)
	}
	for _, f := range c.extra {
		rc.findings = append(rc.findings, f)
	}
	return rc.findings
}

var ruleOneObjectStorage = &Rule{
	Rule: report.Rule{
		ID:       "crd-one-object-storage",
		Severity: report.Error,
		Summary:  "spec.objectStorage sets more than one provider (s3, oss, gcs, azblob)",
		Help:     "keep exactly one of s3, oss, gcs and azblob under objectStorage",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/blob/main/apis/v1alpha1/validate.go",
	},
	Check: func(rc *ruleContext) {
		ps := rc.c.objectStorageProviders()
		if len(ps) < 2 {
			return
		}
		for _, p := range ps[1:] {
			path := "spec.objectStorage." + p
			if rc.c.Helm {
				rc.report(path, "", "%s sets %s: the chart renders only %s and drops %s", rc.name("spec.objectStorage"),
					strings.Join(ps, " and "), ps[0], p)
				continue
			}
			rc.report(path, "", "spec.objectStorage sets %s: the operator refuses more than one provider", strings.Join(ps, " and "))
		}
	},
}

var ruleOneBackendStorage = &Rule{
	Rule: report.Rule{
		ID:       "crd-one-backend-storage",
		Severity: report.Error,
		Summary:  "spec.meta.backendStorage sets no metadata backend, or more than one (etcd, mysql, postgresql)",
		Help:     "set exactly one of etcd, mysql and postgresql under meta.backendStorage",
		URL:      "https://docs.greptime.com/user-guide/deployments-administration/manage-metadata/overview",
	},
	Check: func(rc *ruleContext) {
		if rc.c.spec()["meta"] == nil {
			return
		}
		bs := rc.c.backendStorages()
		switch {
		case len(bs) > 1:
			for _, b := range bs[1:] {
				rc.report("spec.meta.backendStorage."+b, "", "%s sets %s: the operator refuses more than one backend",
					rc.name("spec.meta.backendStorage"), strings.Join(bs, " and "))
			}
		case len(bs) == 0:
			// A store_addrs in meta.config still gives metasrv a backend.
			for _, cfg := range rc.configs {
				if cfg.Component.Role == "meta" && cfg.User != nil && cfg.User.Has("store_addrs") {
					return
				}
			}
			path := "spec.meta.backendStorage"
			rc.report(path, "", "%s is not set: metasrv falls back to etcd at 127.0.0.1:2379, which is not in its pod", rc.name("spec.meta.backendStorage"))
		}
	},
}

// requiredFields are the fields the CRD marks required (or the operator
// needs) under each block.
var requiredFields = []struct {
	block  string
	fields []string
}{
	{"spec.objectStorage.s3", []string{"bucket", "region", "root"}},
	{"spec.objectStorage.oss", []string{"bucket", "region", "root"}},
	{"spec.objectStorage.gcs", []string{"bucket", "root"}},
	{"spec.objectStorage.azblob", []string{"container", "root"}},
	{"spec.objectStorage.cache.fs", []string{"name", "mountPath", "storageSize"}},
	{"spec.wal.raftEngine.fs", []string{"name", "mountPath", "storageSize"}},
	{"spec.meta.backendStorage.etcd", []string{"endpoints"}},
	{"spec.meta.backendStorage.mysql", []string{"host", "port", "credentialsSecretName"}},
	{"spec.meta.backendStorage.postgresql", []string{"host", "port", "credentialsSecretName"}},
	{"spec.wal.kafka", []string{"brokerEndpoints"}},
}

var ruleRequiredField = &Rule{
	Rule: report.Rule{
		ID:       "crd-required-field",
		Severity: report.Error,
		Summary:  "a field the GreptimeDBCluster CRD or the operator requires is missing or empty",
		Help:     "set the field; the API server or the operator rejects the resource without it",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/blob/main/apis/v1alpha1/greptimedbcluster_types.go",
	},
	Check: func(rc *ruleContext) {
		c := rc.c
		for _, r := range requiredFields {
			// `s3: {}` is how values files and templates say "unused".
			if !c.isSet(r.block) {
				continue
			}
			for _, f := range r.fields {
				if c.isSet(r.block + "." + f) {
					continue
				}
				path := r.block + "." + f
				if c.loc.Has(path) {
					rc.report(path, "", "%s must not be empty", rc.name(path))
				} else {
					rc.report(r.block, "", "%s is required", rc.name(path))
				}
			}
		}
		for _, groups := range []string{"spec.datanodeGroups", "spec.frontendGroups"} {
			for i := range listLen(c.Object, groups) {
				p := fmt.Sprintf("%s[%d]", groups, i)
				if c.str(p+".name") == "" {
					rc.report(p, "", "%s.name is required: the operator names the group's resources after it", rc.name(p))
				}
			}
		}
	},
}

var ruleConflictingFields = &Rule{
	Rule: report.Rule{
		ID:       "crd-conflicting-fields",
		Severity: report.Error,
		Summary:  "two fields the operator accepts only one of: datanode and datanodeGroups, wal.raftEngine and wal.kafka",
		Help:     "keep one of the two",
	},
	Check: func(rc *ruleContext) {
		c := rc.c
		if c.spec()["datanode"] != nil && listLen(c.Object, "spec.datanodeGroups") > 0 {
			rc.report("spec.datanodeGroups", "", "%s and %s cannot be set at the same time", rc.name("spec.datanode"), rc.name("spec.datanodeGroups"))
		}
		if c.isSet("spec.wal.raftEngine") && c.isSet("spec.wal.kafka") {
			rc.report("spec.wal.kafka", "", "only one of %s and %s can be set", rc.name("spec.wal.raftEngine"), rc.name("spec.wal.kafka"))
		}
	},
}

var ruleInvalidValue = &Rule{
	Rule: report.Rule{
		ID:       "crd-invalid-value",
		Severity: report.Error,
		Summary:  "a resource field with a value the operator does not accept (configMergeStrategy, ports)",
		Help:     "use one of the values the field accepts",
	},
	Check: func(rc *ruleContext) {
		c := rc.c
		if s := c.str("spec.configMergeStrategy"); s != "" && s != InjectedDataFirst && s != OperatorFirst {
			rc.report("spec.configMergeStrategy", "", "%s is %q: want %s or %s", rc.name("spec.configMergeStrategy"), s, InjectedDataFirst, OperatorFirst)
		}
		ports := []string{"spec.httpPort", "spec.rpcPort", "spec.mysqlPort", "spec.postgreSQLPort", "spec.meta.rpcPort", "spec.meta.httpPort",
			"spec.meta.backendStorage.mysql.port", "spec.meta.backendStorage.postgresql.port"}
		for _, comp := range c.Components() {
			for _, f := range []string{"rpcPort", "httpPort", "mysqlPort", "postgreSQLPort", "internalPort"} {
				if comp.Role != "meta" {
					ports = append(ports, comp.Path+"."+f)
				}
			}
		}
		for _, p := range ports {
			if !c.isSet(p) {
				continue
			}
			if n := getInt(c.Object, p, -1); n < 1 || n > 65535 {
				rc.report(p, "", "%s is %q: want a port between 1 and 65535", rc.name(p), c.str(p))
			}
		}
	},
}

var ruleMergeStrategyReset = &Rule{
	Rule: report.Rule{
		ID:       "crd-merge-strategy-reset",
		Severity: report.Warning,
		Summary:  "configMergeStrategy ConfigMergeStrategyOperatorFirst, which greptimedb-operator resets to ConfigMergeStrategyInjectedDataFirst",
		Help:     "remove configMergeStrategy and take the keys the operator generates out of each component's config: with current operators the config wins",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/pull/330",
	},
	Check: func(rc *ruleContext) {
		// SetDefaults (apis/v1alpha1/defaulting.go) sets the field to
		// InjectedDataFirst unconditionally and the controller writes it
		// back, since #330 (2025-09). stepstone still merges as the field
		// says, so that an older operator is described right, and warns.
		p := "spec.configMergeStrategy"
		if rc.c.str(p) == OperatorFirst {
			rc.report(p, "", "%s is %s, but greptimedb-operator resets it to %s on every reconcile (since #330): keys in config win over the generated ones",
				rc.name(p), OperatorFirst, InjectedDataFirst)
		}
	},
}

// removedFields are resource fields the operator no longer has; the API
// server prunes them, so they are silently ignored.
var removedFields = []struct{ path, instead string }{
	{"spec.meta.etcdEndpoints", "spec.meta.backendStorage.etcd.endpoints"},
	{"spec.meta.storeKeyPrefix", "spec.meta.backendStorage.etcd.storeKeyPrefix"},
	{"spec.meta.enableCheckEtcdService", "spec.meta.backendStorage.etcd.enableCheckEtcdService"},
}

var ruleRemovedField = &Rule{
	Rule: report.Rule{
		ID:       "crd-removed-field",
		Severity: report.Error,
		Summary:  "a field removed from the CRD or the Helm chart, which is now silently ignored (meta.etcdEndpoints, ...)",
		Help:     "move the setting to the field that replaced it",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/pull/340",
	},
	Check: func(rc *ruleContext) {
		for _, r := range removedFields {
			if !rc.c.loc.Has(r.path) {
				continue
			}
			if rc.c.Helm {
				rc.report(r.path, "move it to "+rc.name(r.instead),
					"%s is no longer read by the greptimedb-cluster chart (removed in chart #368): use %s", rc.name(r.path), rc.name(r.instead))
				continue
			}
			rc.report(r.path, "move it to "+r.instead,
				"%s was removed in operator v0.5.4 (#340) and is dropped by the API server: use %s", r.path, r.instead)
		}
	},
}

var ruleSecretNotFound = &Rule{
	Rule: report.Rule{
		ID:       "crd-secret-not-found",
		Severity: report.Error,
		Summary:  "a Secret the resource names does not exist in its namespace",
		Help:     "create the Secret in the cluster's namespace, or fix its name",
	},
	Check: func(rc *ruleContext) {
		for _, r := range rc.c.secretRefs() {
			if s := rc.c.secret(r.Name); s.State == SecretNotFound {
				rc.report(r.Path, "", "Secret %q (%s) does not exist in namespace %q: the operator stops reconciling the cluster", r.Name, r.What, rc.c.Namespace)
			}
		}
	},
}

// secretKeyHints say what a wrong key name probably meant, per the
// operator's key names (apis/v1alpha1/constants.go).
var secretKeyHints = map[string][]string{
	"access-key-secret": {"secret-access-key", "accessKeySecret", "access_key_secret", "AccessKeySecret"},
	"secret-access-key": {"access-key-secret", "secretAccessKey", "secret_access_key", "AWS_SECRET_ACCESS_KEY"},
	"access-key-id":     {"accessKeyId", "access_key_id", "AWS_ACCESS_KEY_ID", "AccessKeyId"},
	"account-name":      {"accountName", "account_name", "AZURE_STORAGE_ACCOUNT"},
	"account-key":       {"accountKey", "account_key", "AZURE_STORAGE_KEY"},
	"service-account-key": {"service-account.json", "key.json", "credentials.json", "serviceAccountKey",
		"service_account_key"},
	// MySQL and PostgreSQL metadata stores (backendStorage.mysql /
	// postgresql credentials): spellings of other tools' Secrets.
	"username": {"user", "USERNAME", "userName", "POSTGRES_USER", "MYSQL_USER", "db-user", "database-user"},
	"password": {"PASSWORD", "passwd", "pass", "POSTGRES_PASSWORD", "MYSQL_PASSWORD", "MYSQL_ROOT_PASSWORD",
		"db-password", "database-password"},
}

var ruleSecretKeys = &Rule{
	Rule: report.Rule{
		ID:       "crd-secret-keys",
		Severity: report.Error,
		Summary:  "a referenced Secret lacks a key the operator reads (access-key-secret for OSS, secret-access-key for S3, ...)",
		Help:     "name the Secret's keys as the operator expects: S3 access-key-id and secret-access-key; OSS access-key-id and access-key-secret; GCS service-account-key; Azblob account-name and account-key; MySQL/PostgreSQL username and password",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/blob/main/apis/v1alpha1/constants.go",
	},
	Check: func(rc *ruleContext) {
		for _, r := range rc.c.secretRefs() {
			s := rc.c.secret(r.Name)
			if s.State != SecretFound {
				continue
			}
			for _, k := range r.Keys {
				if k == "" {
					continue
				}
				if _, ok := s.Data[k]; ok {
					continue
				}
				msg := fmt.Sprintf("Secret %q has no key %q, which the operator reads for the %s", r.Name, k, r.What)
				help := ""
				for _, alt := range secretKeyHints[k] {
					if _, ok := s.Data[alt]; ok {
						msg += fmt.Sprintf(" (it has %q)", alt)
						help = fmt.Sprintf("rename the key %q to %q", alt, k)
						break
					}
				}
				rc.report(r.Path, help, "%s", msg)
			}
		}
	},
}

var ruleSecretUnchecked = &Rule{
	Rule: report.Rule{
		ID:       "crd-secret-unchecked",
		Severity: report.Info,
		Summary:  "a referenced Secret was not among the manifests given, so its keys were not checked",
		Help:     "pass the Secret's manifest with another -f, or check the live cluster with `kubectl stepstone cluster NAME`",
	},
	Check: func(rc *ruleContext) {
		if rc.c.live {
			return // the API read reports forbidden Secrets itself
		}
		for _, r := range rc.c.secretRefs() {
			if rc.c.secret(r.Name).State == SecretUnknown {
				rc.report(r.Path, "", "Secret %q (%s) is not among the manifests given: its keys were not checked", r.Name, r.What)
			}
		}
	},
}

// urlReserved are the characters that end or split the user-info part of a
// URL (RFC 3986 gen-delims, "%" and space), which the operator does not
// escape.
const urlReserved = ":/?#[]@% "

var rulePasswordURLReserved = &Rule{
	Rule: report.Rule{
		ID:       "crd-password-url-reserved",
		Severity: report.Error,
		Summary:  "a MySQL or PostgreSQL username or password with characters the operator puts into store_addrs unescaped (@ : / ? # [ ] % space)",
		Help:     "use a password without @ : / ? # [ ] % and spaces: the operator writes it into store_addrs with fmt.Sprintf, so metasrv cannot parse the URL",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/blob/main/pkg/dbconfig/meta_config.go",
		Security: true,
	},
	Check: func(rc *ruleContext) {
		for _, db := range rc.c.backendStorages() {
			if db == "etcd" {
				continue
			}
			path := "spec.meta.backendStorage." + db + ".credentialsSecretName"
			name := rc.c.str(path)
			s := rc.c.secret(name)
			if s.State != SecretFound {
				continue
			}
			for _, k := range []string{"username", "password"} {
				v := string(s.Data[k])
				if i := strings.IndexAny(v, urlReserved); i >= 0 {
					ch := string(v[i])
					if ch == " " {
						ch = "a space"
					} else {
						ch = fmt.Sprintf("%q", ch)
					}
					rc.report(path, "", "the %s in Secret %q contains %s, which the operator writes into store_addrs without URL-escaping: metasrv cannot connect to %s",
						k, name, ch, db)
				}
			}
		}
	},
}

var ruleCredentialsInConfigMap = &Rule{
	Rule: report.Rule{
		ID:       "crd-credentials-in-configmap",
		Severity: report.Warning,
		Summary:  "credentials the operator copies from a Secret into a generated ConfigMap in plain text",
		Help:     "anyone who can read ConfigMaps in the namespace can read them: prefer workload identity (IRSA or EKS Pod Identity, GKE Workload Identity, Azure Workload Identity) on the datanode's ServiceAccount and drop secretName, and limit who may get ConfigMaps",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/blob/main/pkg/dbconfig/common.go",
		Security: true,
	},
	Check: func(rc *ruleContext) {
		c := rc.c
		cms := func(roles ...string) []string {
			var out []string
			seen := map[string]bool{}
			for _, comp := range c.Components() {
				for _, r := range roles {
					if comp.Role != r {
						continue
					}
					if r == "frontend" && !getBool(c.Object, comp.Path+".enableObjectStorage", false) {
						continue
					}
					if name := comp.ConfigMapName(c.Name); !seen[name] {
						seen[name] = true
						out = append(out, name)
					}
				}
			}
			sort.Strings(out)
			return out
		}
		for _, r := range c.secretRefs() {
			var where []string
			var keys, help string
			switch {
			case strings.HasPrefix(r.Path, "spec.objectStorage."):
				where, keys = cms("datanode", "frontend"), "storage credentials"
			case strings.HasPrefix(r.Path, "spec.meta.backendStorage."):
				where, keys = cms("meta"), "the password in store_addrs"
				help = "the operator always copies database credentials into the meta ConfigMap: limit who may get ConfigMaps in the namespace, and give the metadata database user only the rights metasrv needs"
			case strings.HasPrefix(r.Path, "spec.wal.kafka."):
				where, keys = cms("meta", "datanode"), "wal.sasl.password"
				help = "the operator copies Kafka SASL credentials into the ConfigMaps: limit who may get ConfigMaps in the namespace"
			default:
				continue // TLS Secrets are mounted, not copied
			}
			if len(where) == 0 {
				continue
			}
			rc.report(r.Path, help, "the operator copies Secret %q into ConfigMap %s in plain text (%s)", r.Name, strings.Join(where, ", "), keys)
		}
	},
}

var placeholderValue = regexp.MustCompile(`(?i)^(|\$\{.*\}|\{\{.*\}\}|<.*>|x{3,}|\*{3,}|your[-_ ].*|you-should-.*|change[-_]?me|replace[-_]?me|todo|redacted|placeholder)$`)

var rulePlaintextCredentials = &Rule{
	Rule: report.Rule{
		ID:       "crd-plaintext-credentials",
		Severity: report.Warning,
		Summary:  "a password or secret key written in the resource or the Helm values in plain text",
		Help:     "create the Secret yourself and reference it (existingSecretName in the chart, secretRef for Kafka SASL) so that the credential stays out of the repository",
		Security: true,
	},
	Check: func(rc *ruleContext) {
		c := rc.c
		if p := "spec.wal.kafka.sasl.password"; c.isSet(p) && !placeholderValue.MatchString(c.str(p)) {
			rc.report(p, "", "%s holds a password in plain text", rc.name(p))
		}
		if !c.Helm {
			return
		}
		// The chart turns these values into Secrets; the values file
		// itself then holds the credential.
		names := make([]string, 0, len(c.Secrets))
		for n := range c.Secrets {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			s := c.Secrets[n]
			for _, k := range []string{"secret-access-key", "access-key-secret", "account-key", "service-account-key", "password"} {
				e, ok := s.values[k]
				if !ok || placeholderValue.MatchString(string(s.Data[k])) {
					continue
				}
				rc.reportAt(rc.rule.Severity, e.pos, e.name, "",
					"%s holds a credential in plain text (the chart puts it into Secret %q)", e.name, s.Name)
			}
		}
	},
}

var ruleConfigOverridden = &Rule{
	Rule: report.Rule{
		ID:       "crd-config-overridden",
		Severity: report.Warning,
		Summary:  "a key in a component's config that the operator overrides, or that silently replaces a resource field",
		Help:     "set the value through the resource field instead, and remove the key from config",
		URL:      "https://github.com/GreptimeTeam/greptimedb-operator/blob/main/pkg/dbconfig/dbconfig.go",
	},
	Check: func(rc *ruleContext) {
		strategy := rc.c.MergeStrategy()
		for _, cfg := range rc.configs {
			field := rc.name(cfg.Component.Path + ".config")
			for _, s := range cfg.shadowed {
				e, ok := cfg.User.Index().Get(s.key)
				if !ok {
					continue
				}
				pos := cfg.userPos(e.KeyPos())
				switch {
				case s.by != "":
					rc.reportAt(rc.rule.Severity, pos, s.key, "remove the key: the pods get it from "+s.by,
						"%s in %s is ignored: the operator sets it with %s", s.key, field, s.by)
				case s.userWn:
					rc.reportAt(rc.rule.Severity, pos, s.key, fmt.Sprintf("remove %s from config, or %s from the resource", s.key, rc.name(s.from)),
						"%s in %s replaces %s (configMergeStrategy %s)", s.key, field, rc.name(s.from), strategy)
				default:
					rc.reportAt(rc.rule.Severity, pos, s.key, fmt.Sprintf("set %s instead", rc.name(s.from)),
						"%s in %s is ignored: the operator writes it from %s (configMergeStrategy %s)", s.key, field, rc.name(s.from), strategy)
				}
			}
		}
	},
}

var ruleHelmConfigFile = &Rule{
	Rule: report.Rule{
		ID:       "helm-config-file",
		Severity: report.Info,
		Summary:  "a Helm values configFile names a file inside the chart, which stepstone cannot see",
		Help:     "put the TOML in configData instead, or run stepstone on the rendered chart (helm template ... | stepstone cluster -f -)",
	},
	Check: func(*ruleContext) {}, // reported while reading the values
}
