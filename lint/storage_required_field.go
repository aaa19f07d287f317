package lint

import (
	"fmt"
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

var ruleStorageRequiredField = &Rule{
	Rule: report.Rule{
		ID:       "storage-required-field",
		Severity: report.Error,
		Summary:  "an object storage field the configured type needs at start (bucket, region, endpoint, credentials)",
		Help:     "set the field in the storage table; GreptimeDB accepts the file but fails to start without it",
		URL:      "https://docs.greptime.com/user-guide/deployments-administration/configuration#storage-options",
	},
	Unusable: true,
	Check: func(c *Context) {
		for _, block := range storageBlocks(c.File) {
			typ := storageType(c.File, block)
			backend, _ := configs.BackendFor(typ)
			for _, req := range backend.Required {
				if storageFieldSet(c.File, block, req) {
					continue
				}
				if typ == "S3" && req == "region" && envHasRegion(c.Env) {
					continue
				}
				reportMissingStorage(c, block, typ, req)
			}
		}
	},
}

// storageBlocks lists the storage tables of f: "storage" when it is written
// (or its type comes from the environment), then every [[storage.providers]].
func storageBlocks(f *configs.File) []string {
	var out []string
	if _, _, ok := f.Lookup("storage.type"); ok || f.Has("storage") {
		out = append(out, "storage")
	}
	if v, ok := f.Get("storage.providers"); ok {
		n := 0
		switch arr := v.(type) {
		case []map[string]any:
			n = len(arr)
		case []any:
			n = len(arr)
		}
		for i := 0; i < n; i++ {
			out = append(out, fmt.Sprintf("storage.providers[%d]", i))
		}
	}
	return out
}

// storageFieldSet reports whether a required field (or one of its
// alternatives, see configs.Backend.Required) has a value in the file or env. A
// non-string value counts as set: type-mismatch reports it.
func storageFieldSet(f *configs.File, block, req string) bool {
	for _, alt := range strings.Split(req, "|") {
		all := true
		for _, name := range strings.Split(alt, "+") {
			v, _, ok := f.Lookup(block + "." + name)
			if s, isStr := v.(string); !ok || (isStr && strings.TrimSpace(s) == "") {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// envHasRegion reports whether OpenDAL can take the S3 region from the
// environment GreptimeDB runs in.
func envHasRegion(env []string) bool {
	for _, kv := range env {
		name, val, _ := strings.Cut(kv, "=")
		if (name == "AWS_REGION" || name == "AWS_DEFAULT_REGION") && val != "" {
			return true
		}
	}
	return false
}

// reportMissingStorage reports a missing or empty field. An empty value is
// reported where it stands; a missing one at the block's type key, else its
// header, else (type from env only) the whole file.
func reportMissingStorage(c *Context, block, typ, req string) {
	name := block
	first := strings.Split(strings.Split(req, "|")[0], "+")[0]
	key := block + "." + first
	var msg, help string
	switch req {
	case "region":
		msg = fmt.Sprintf("%s.region is required when %s.type is %q and AWS_REGION is not set", name, name, typ)
		help = `set region even with a custom endpoint (OpenDAL fails with "region is missing"); "us-east-1" suits MinIO and most S3-compatible stores`
	case "endpoint":
		msg = fmt.Sprintf("%s.endpoint is required when %s.type is %q", name, name, typ)
		if typ == "Oss" {
			help = `set endpoint, such as "https://oss-cn-hangzhou.aliyuncs.com"; Oss has no region to derive it from`
		} else {
			help = `set endpoint, such as "https://<account>.blob.core.windows.net"`
		}
	case "account_name+account_key|sas_token":
		if v, _, ok := c.File.LookupString(block + ".account_name"); ok && v != "" {
			key = block + ".account_key"
			msg = fmt.Sprintf("%s.account_key or %s.sas_token is required when %s.type is %q", name, name, name, typ)
		} else {
			msg = fmt.Sprintf("%s.account_name and account_key, or %s.sas_token, are required when %s.type is %q", name, name, name, typ)
		}
		help = "set account_name and account_key, or sas_token"
		if block == "storage" {
			help += fmt.Sprintf("; give the key through %s rather than in the file", envVarFor(c.File, "storage.account_key"))
		}
	default:
		msg = fmt.Sprintf("%s.%s is required when %s.type is %q", name, first, name, typ)
		help = fmt.Sprintf("set %s.%s", name, first)
	}
	if v, _, ok := c.File.Lookup(key); ok {
		if s, _ := v.(string); s == "" {
			msg = strings.Replace(msg, " is required", " must not be empty", 1)
			msg = strings.Replace(msg, " are required", " must not be empty", 1)
		}
		if c.File.Has(key) {
			c.ReportValue(key, help, "%s", msg)
			return
		}
	}
	// The missing key has no line: the finding stands at the backend's
	// type, else its table, else the whole file.
	at, w := block+".type", atKey
	ix := c.File.Index()
	if _, ok := ix.Get(at); !ok {
		at = block
		if _, ok := ix.Get(at); !ok {
			w = atFile
		}
	}
	c.addAt(c.rule.Severity, key, at, w, help, "%s", msg)
}
