package run

import (
	"bytes"
	"context"
	"fmt"

	"golang.org/x/sync/semaphore"

	"github.com/stepstone-dev/stepstone/configs"
	"github.com/stepstone-dev/stepstone/internal/parallel"
)

// DefaultMaxInputBytes caps the bytes of all configs one run reads
// together (--max-input-bytes): real clusters are a few dozen files of a
// few KiB, and a directory of stray large files must not take the memory
// of a CI runner.
const DefaultMaxInputBytes = 256 << 20

// DefaultParseBytes caps the bytes being read and parsed at once: parsing
// takes a multiple of a file's size, so a few hostile 10 MiB files are
// parsed one after another rather than together.
const DefaultParseBytes = 16 << 20

// Source is one config to read and parse.
type Source struct {
	// Path names the file in reports.
	Path string
	// Size is what Read is expected to return, for the budgets; 0 or less
	// means unknown (stdin, a FIFO) and counts as MaxFileBytes.
	Size int64
	// Read returns the file's bytes (bounded by the caller).
	Read func() ([]byte, error)
	// Explicit sources were named by the user: one whose component cannot
	// be told is an error, not skipped.
	Explicit  bool
	Component configs.Component
}

// LoadOptions bound a Load.
type LoadOptions struct {
	// MaxInputBytes caps the bytes of all sources together; 0 means
	// DefaultMaxInputBytes.
	MaxInputBytes int64
	// ParseBytes caps the bytes read and parsed at once; 0 means
	// DefaultParseBytes.
	ParseBytes int64
	// MaxFileBytes is the largest one source may be (its weight when its
	// size is unknown); 0 means ParseBytes.
	MaxFileBytes int64
}

// fitted is data in a buffer of its size when its own has much more room:
// a reader that grew its buffer (io.ReadAll doubles it) leaves up to twice
// the file's size behind, and a file that keeps its source keeps it to the
// end of the run.
func fitted(data []byte) []byte {
	if cap(data)-len(data) > len(data)/8 {
		return bytes.Clone(data)
	}
	return data
}

// MinFileWeight is the least a file counts against MaxInputBytes: what a
// run keeps of each file to the end (its findings, effective values and
// the keys the cross-file rules compare: about 20 KiB for a full datanode
// config) does not shrink with the file, so many tiny files are bounded
// by their number too.
const MinFileWeight = 16 << 10

// weight is what a file of size bytes counts against the budget.
func weight(size int64) int64 { return max(size, MinFileWeight) }

// BudgetError says the sources together exceed LoadOptions.MaxInputBytes.
type BudgetError struct{ Limit int64 }

func (e *BudgetError) Error() string {
	return fmt.Sprintf("the configs together are larger than the run's budget of %s (--max-input-bytes; each file counts as at least %s)", sizeName(e.Limit), sizeName(MinFileWeight))
}

// LoadError is a source named by the user that is no config stepstone can
// check (its component cannot be told).
type LoadError struct{ Err error }

func (e *LoadError) Error() string { return e.Err.Error() }
func (e *LoadError) Unwrap() error { return e.Err }

func sizeName(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	if n >= 1<<10 && n%(1<<10) == 0 {
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// Load reads and parses srcs in parallel (at most GOMAXPROCS at once, and
// at most ParseBytes being parsed at once) and returns the files in the
// order of srcs. Sources that are not recognisably a GreptimeDB config
// and were not named explicitly are skipped (their paths returned). The
// error, if any, is the first read error in source order, else a
// *BudgetError, else the first *LoadError. Once ctx is done no further
// source is read: the ones not yet read are left out (neither files nor
// skipped), so an interrupted run reports what it has.
func Load(ctx context.Context, srcs []Source, o LoadOptions) (files []*configs.File, skipped []string, err error) {
	return loadEach(ctx, srcs, o, nil)
}

// loadEach is Load that hands each file, as soon as it is parsed, to each
// (when set) on the goroutine that parsed it and while its bytes still
// count against ParseBytes: what each does with a file (lint it, then drop
// its tree) is bounded by the same budget as the parse. each may replace
// the file that is returned.
func loadEach(ctx context.Context, srcs []Source, o LoadOptions, each func(i int, f *configs.File) *configs.File) (files []*configs.File, skipped []string, err error) {
	if o.MaxInputBytes <= 0 {
		o.MaxInputBytes = DefaultMaxInputBytes
	}
	if o.ParseBytes <= 0 {
		o.ParseBytes = DefaultParseBytes
	}
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = o.ParseBytes
	}
	// Sizes known up front are checked before anything is read.
	var known int64
	for _, s := range srcs {
		known += weight(s.Size)
	}
	if known > o.MaxInputBytes {
		return nil, nil, &BudgetError{o.MaxInputBytes}
	}
	sem := semaphore.NewWeighted(o.ParseBytes)
	out := make([]*configs.File, len(srcs))
	readErr := make([]error, len(srcs))
	loadErr := make([]error, len(srcs))
	sizes := make([]int64, len(srcs))
	parallel.For(ctx, len(srcs), func(i int) {
		s := srcs[i]
		w := s.Size
		if w <= 0 || w > o.MaxFileBytes {
			w = o.MaxFileBytes
		}
		if w > o.ParseBytes {
			w = o.ParseBytes
		}
		if err := sem.Acquire(ctx, w); err != nil {
			return // interrupted: left out, like the sources never started
		}
		defer sem.Release(w)
		data, err := s.Read()
		if err != nil {
			readErr[i] = err
			return
		}
		sizes[i] = int64(len(data))
		if each == nil {
			data = fitted(data)
		}
		f, err := configs.Load(s.Path, data, s.Component)
		if err != nil {
			loadErr[i] = err
			return
		}
		if each != nil {
			f = each(i, f)
		}
		out[i] = f
	})
	for _, e := range readErr {
		if e != nil {
			return nil, nil, e
		}
	}
	// Sizes that were unknown (or grew) count now.
	var total int64
	for i, n := range sizes {
		if out[i] != nil || loadErr[i] != nil {
			total += weight(n)
		}
	}
	if total > o.MaxInputBytes {
		return nil, nil, &BudgetError{o.MaxInputBytes}
	}
	for i, s := range srcs {
		if out[i] == nil && loadErr[i] == nil {
			continue // not read: the run was interrupted
		}
		if loadErr[i] == nil {
			files = append(files, out[i])
			continue
		}
		if s.Explicit {
			return nil, nil, &LoadError{loadErr[i]}
		}
		skipped = append(skipped, s.Path)
	}
	return files, skipped, nil
}
