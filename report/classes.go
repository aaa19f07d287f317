package report

// Failure classes. Every failed probe carries one, so reports can group
// failures and each class gets its own advice.
const (
	ClassDNS        = "dns"
	ClassRefused    = "refused"
	ClassTimeout    = "timeout"
	ClassTLS        = "tls"
	ClassAuth       = "auth"
	ClassPermission = "permission"
	ClassNotFound   = "not-found"
	ClassProtocol   = "protocol"
	ClassConfig     = "config"
	ClassInUse      = "in-use"
	ClassUnhealthy  = "unhealthy" // answers, but reports a problem
	ClassCanceled   = "canceled"
	ClassInternal   = "internal"
	ClassLeftover   = "leftover"
	ClassOther      = "other"
	// ClassPerformance: a benchmark crossed a threshold.
	ClassPerformance = "performance"
	// ClassRegression: a metric got worse than the baseline allows.
	ClassRegression = "regression"
)

// FailureClass describes one failure class for the writers that list them
// (SARIF rules, docs/probes.md).
type FailureClass struct {
	ID      string
	Summary string
}

// FailureClasses is the one table of failure classes, in the order docs
// list them. A class not listed here is still reported, with a generic
// description.
var FailureClasses = []FailureClass{
	{ClassDNS, "a dependency's host name does not resolve"},
	{ClassRefused, "a dependency refuses connections"},
	{ClassTimeout, "a dependency does not answer in time"},
	{ClassTLS, "the TLS handshake with a dependency fails"},
	{ClassAuth, "a dependency rejects the configured credentials"},
	{ClassPermission, "the configured credentials lack a permission"},
	{ClassNotFound, "a bucket, database or topic named in the config does not exist"},
	{ClassProtocol, "a dependency answers in an unexpected way"},
	{ClassConfig, "a value the live check needs does not parse"},
	{ClassInUse, "an address the component would listen on is taken"},
	{ClassUnhealthy, "a dependency answers but reports a problem"},
	{ClassCanceled, "a live check was interrupted"},
	{ClassInternal, "stepstone could not run a live check"},
	{ClassLeftover, "a live check could not clean up after itself"},
	{ClassOther, "a live check failed for another reason"},
}

// ClassSummary returns the one-line description of a failure class.
func ClassSummary(class string) (string, bool) {
	for _, c := range FailureClasses {
		if c.ID == class {
			return c.Summary, true
		}
	}
	return "", false
}
