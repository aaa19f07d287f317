package probe

import (
	"context"
	"net"
	"strings"

	"github.com/stepstone-dev/stepstone/report"
)

// ossRegion derives the signing region from an OSS endpoint such as
// https://oss-cn-hangzhou.aliyuncs.com (region "oss-cn-hangzhou"), which
// is what OSS's S3-compatible API expects.
func ossRegion(host string) string {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = host
	}
	first, _, _ := strings.Cut(h, ".")
	if strings.HasPrefix(first, "oss-") {
		return strings.TrimSuffix(first, "-internal")
	}
	return "us-east-1"
}

// ProbeOSS checks an Aliyun OSS bucket through OSS's S3-compatible API.
func ProbeOSS(ctx context.Context, t Target) report.ProbeResult {
	return runProbe(ctx, t, func(ctx context.Context, r *probeRun) { probeS3Compatible(ctx, r, true) })
}

// BenchOSS measures the bucket ProbeOSS checked, through OSS's
// S3-compatible API (see BenchS3).
func BenchOSS(ctx context.Context, t Target) report.ProbeResult {
	return benchS3Compatible(ctx, t, true)
}
