package probe

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
)

// A Kafka topic cannot hold a lease object, and Kafka refuses topic
// configs it does not know, so the round trip's topic carries its lease
// in its name: __stepstone_<run-id>-until-<UTC time>. The round trip
// cannot outlive its own deadline plus cleanup, so once that time (plus
// leaseSkew) has passed, the run that created the topic is provably
// gone, and no heartbeat is needed.

// kafkaUntilSep separates the run id from the expiry in a test topic.
const kafkaUntilSep = "-until-"

// kafkaUntilLayout is the expiry's format: only characters Kafka allows
// in a topic name, and readable by whoever finds the topic.
const kafkaUntilLayout = "20060102T150405Z"

// kafkaTestTopic names a round trip's topic for runID, ending by until.
func kafkaTestTopic(runID string, until time.Time) string {
	return kafkaTestTopicPrefix + runID + kafkaUntilSep + until.UTC().Format(kafkaUntilLayout)
}

// kafkaRoundTripTopic names the topic of a round trip bounded by ctx.
func kafkaRoundTripTopic(ctx context.Context, runID string) string {
	end, ok := ctx.Deadline()
	if !ok {
		end = time.Now().Add(DefaultTimeout)
	}
	// Rounded up to the second, as the name holds whole seconds.
	return kafkaTestTopic(runID, end.Add(cleanupTimeout+time.Second).Truncate(time.Second))
}

// parseKafkaTestTopic splits a test topic's name; until is zero for a
// topic of a stepstone that did not write it yet.
func parseKafkaTestTopic(name string) (runID string, until time.Time, ok bool) {
	rest, ok := strings.CutPrefix(name, kafkaTestTopicPrefix)
	if !ok || rest == "" {
		return "", time.Time{}, false
	}
	id, exp, found := strings.Cut(rest, kafkaUntilSep)
	if !found {
		return rest, time.Time{}, true
	}
	t, err := time.Parse(kafkaUntilLayout, exp)
	if err != nil {
		return rest, time.Time{}, true
	}
	return id, t, true
}

// judgeKafkaTopic is judgeRun for a test topic.
func judgeKafkaTopic(name string, now time.Time) (leftoverVerdict, string) {
	id, until, _ := parseKafkaTestTopic(name)
	if until.IsZero() {
		return judgeRun(id, nil, now)
	}
	l := leaseInfo{Expires: until}
	if !l.gone(now) {
		return runLive, "its run may go on until " + until.Format(time.TimeOnly+"Z")
	}
	return runExpired, "its run ended by " + until.Format(time.DateTime+"Z")
}

// sweepKafkaTopics reports the test topics of other runs than own's and
// deletes those whose run is provably gone, unless read-only. A listing
// that fails is left to the probe's other checks.
func sweepKafkaTopics(ctx context.Context, r *probeRun, adm *kadm.Client, own string) {
	ts, err := adm.ListTopics(ctx)
	if err != nil {
		return
	}
	ownID, _, _ := parseKafkaTestTopic(own)
	var names []string
	for _, name := range ts.Names() {
		id, _, ok := parseKafkaTestTopic(name)
		if ok && name != own && id != ownID && id != r.t.Opts.RunID {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	now := time.Now()
	var report, live, gone []string
	why := map[string]string{}
	for _, name := range names {
		verdict, w := judgeKafkaTopic(name, now)
		why[name] = w
		switch {
		case verdict == runLive:
			live = append(live, fmt.Sprintf("%s (%s)", name, w))
		case verdict == runYoung:
			report = append(report, fmt.Sprintf("%s (%s; left)", name, w))
		case r.t.Opts.ReadOnly:
			report = append(report, fmt.Sprintf("%s (%s; left: read-only)", name, w))
		default:
			gone = append(gone, name)
		}
	}
	if len(gone) > 0 {
		res, err := adm.DeleteTopics(ctx, gone...)
		for _, name := range gone {
			e := err
			if e == nil {
				if tr, ok := res[name]; ok {
					e = tr.Err
				}
			}
			if e == nil || errors.Is(e, kerr.UnknownTopicOrPartition) { // or another run's sweep was first
				report = append(report, fmt.Sprintf("%s (%s; deleted)", name, why[name]))
			} else {
				report = append(report, fmt.Sprintf("%s (%s; could not be deleted: %s)", name, why[name], probeErrText(e)))
			}
		}
		sort.Strings(report)
	}
	if len(live) > 0 {
		r.note("another stepstone run has a test topic now: %s; left alone", probeListNames(live, 3))
	}
	if len(report) == 0 {
		return
	}
	sug := "stepstone deletes a test topic once the run that made it is over; delete the rest with kafka-topics.sh --delete --topic '" + kafkaTestTopicPrefix + ".*' if no stepstone runs against these brokers"
	if r.t.Opts.ReadOnly {
		sug = "run once without --read-only to delete what is marked over, or delete them with kafka-topics.sh --delete"
	}
	r.warn(sug, "test topics of %s found: %s", earlierRuns(len(report)), probeListNames(report, 5))
	if r.res.Class == "" {
		r.res.Class = ClassLeftover
	}
}
