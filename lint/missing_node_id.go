package lint

import (
	"strings"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/report"
)

// A datanode refuses to start without a node id ("Missing node id option"),
// and datanodes, frontends and flownodes without a [meta_client]. Both can
// come from the command line instead (--node-id, --metasrv-addrs), which is
// what greptimedb-operator and GreptimeDB's own CI do, so these are
// warnings: the value must then come from there.

var ruleMissingNodeID = &Rule{
	Rule: report.Rule{
		ID:       "missing-node-id",
		Severity: report.Warning,
		Summary:  "a datanode config without node_id (the datanode refuses to start unless --node-id is given)",
		Help:     "set node_id to a number unique in the cluster, or make sure the datanode is started with --node-id",
	},
	Check: func(c *Context) {
		if c.File.Component != configs.Datanode {
			return
		}
		if _, _, ok := c.File.Lookup("node_id"); ok {
			return
		}
		c.Report("node_id", "", "node_id is not set: the datanode fails to start with \"Missing node id option\" unless it is started with --node-id")
	},
}

var ruleMissingMetasrvAddrs = &Rule{
	Rule: report.Rule{
		ID:       "missing-metasrv-addrs",
		Severity: report.Warning,
		Summary:  "a frontend, datanode or flownode config without meta_client.metasrv_addrs (it must come from --metasrv-addrs)",
		Help:     `set [meta_client] metasrv_addrs = ["<metasrv host>:3002"], or make sure the node is started with --metasrv-addrs`,
	},
	Check: func(c *Context) {
		switch c.File.Component {
		case configs.Frontend, configs.Datanode, configs.Flownode:
		default:
			return
		}
		if _, _, ok := c.File.Lookup("meta_client.metasrv_addrs"); ok {
			return
		}
		if hasMetaClient(c.File) {
			c.Report("meta_client.metasrv_addrs", "", "meta_client.metasrv_addrs is not set, so the node dials the default \"127.0.0.1:3002\" unless it is started with --metasrv-addrs")
			return
		}
		c.Report("meta_client", "", "meta_client.metasrv_addrs is not set and there is no [meta_client] table: the %s fails to start unless it is started with --metasrv-addrs", c.File.Component)
	},
}

// hasMetaClient reports whether a [meta_client] table exists, written in the
// file or created by any GREPTIMEDB_<ROLE>__META_CLIENT__... env var.
func hasMetaClient(f *configs.File) bool {
	if f.Has("meta_client") {
		return true
	}
	if f.Env != nil {
		for k := range f.Env.Values {
			if strings.HasPrefix(k, "meta_client.") {
				return true
			}
		}
	}
	return false
}
