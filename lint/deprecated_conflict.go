package lint

import (
	"fmt"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// Metasrv's top-level bind_addr/server_addr (deprecated in v0.15) and the
// datanode's rpc_addr/rpc_hostname/rpc_* (deprecated in v0.9) still work:
// when set they overwrite the [grpc] values, with only a log line to say so
// (src/cmd/src/metasrv.rs, src/cmd/src/datanode.rs). deprecated-key already
// warns that such a key is used; this rule adds the case that bites: both
// spellings set to different values, where the old one silently wins.
//
// There is deliberately no "deprecated-override" warning for the case where
// both are set to the same value or only the old key is set: that would
// repeat what deprecated-key says about the same line.

var ruleDeprecatedConflict = &Rule{
	Rule: report.Rule{
		ID:       "deprecated-conflict",
		Severity: report.Error,
		Summary:  "a deprecated key and its replacement set to different values (the deprecated one wins)",
		Help:     "remove the deprecated key and keep the value you want in the [grpc] table",
	},
	Check: func(c *Context) {
		for _, d := range configs.DeprecatedGRPC[c.File.Component] {
			oldKey, newKey := d[0], d[1]
			oldV, oldOrigin, ok := c.File.Lookup(oldKey)
			if !ok || !overrides(c.File.Component, oldV) {
				continue
			}
			newV, newOrigin, ok := c.File.Lookup(newKey)
			if !ok || sameSetting(oldV, newV) {
				continue
			}
			msg := fmt.Sprintf("%s %s overrides %s %s: GreptimeDB uses the deprecated value",
				oldKey, showScalar(oldV)+fromEnv(oldOrigin), newKey, showScalar(newV)+fromEnv(newOrigin))
			help := fmt.Sprintf("remove %s and set %s to the value you want", oldKey, newKey)
			switch {
			case oldOrigin.Kind == configs.OriginFile:
				c.Report(oldKey, help, "%s", msg)
			case newOrigin.Kind == configs.OriginFile:
				// The old key comes from the environment: point at the
				// key it silently overrides.
				c.Report(newKey, fmt.Sprintf("unset %s", oldOrigin.Var), "%s", msg)
			default:
				c.ReportEnv(oldKey, fmt.Sprintf("unset %s", oldOrigin.Var), "%s", msg)
			}
		}
	},
}

// fromEnv notes where an env value came from: " (from env VAR)", or "".
func fromEnv(o configs.Origin) string {
	if o.Kind == configs.OriginEnv {
		return " (from env " + o.Var + ")"
	}
	return ""
}

// overrides reports whether a deprecated value takes effect: metasrv skips
// empty strings; the datanode's Option fields apply whenever set.
func overrides(comp configs.Component, v any) bool {
	if s, ok := v.(string); ok && comp == configs.Metasrv {
		return s != ""
	}
	return true
}

// sameSetting compares two values; sizes written differently ("512MB" and
// 536870912) are the same setting.
func sameSetting(a, b any) bool {
	if fmt.Sprint(a) == fmt.Sprint(b) {
		return true
	}
	na, errA := configs.ParseSize(a)
	nb, errB := configs.ParseSize(b)
	return errA == nil && errB == nil && na == nb
}
