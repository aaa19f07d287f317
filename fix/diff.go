package fix

import (
	"bytes"
	"fmt"
	"strings"
)

// UnifiedDiff renders the change from old to new as a unified diff with
// three lines of context, labelled a/name and b/name as git does. It
// returns "" when the two are equal. Lines are compared with their line
// endings, so a CRLF file shows only the lines that changed.
func UnifiedDiff(name string, old, new []byte) string {
	if bytes.Equal(old, new) {
		return ""
	}
	a, b := splitLines(old), splitLines(new)
	ops := diffLines(a, b)
	var out strings.Builder
	fmt.Fprintf(&out, "--- a/%s\n+++ b/%s\n", name, name)
	const context = 3
	// Group the script into hunks: runs of changes with up to 2*context
	// equal lines between them.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i >= len(ops) {
			break
		}
		start := i - context
		if start < 0 {
			start = 0
		}
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*context {
				break
			}
			end = run
		}
		stop := end + context
		if stop > len(ops) {
			stop = len(ops)
		}
		hunk := ops[start:stop]
		oldStart, newStart := hunk[0].a+1, hunk[0].b+1
		oldN, newN := 0, 0
		for _, op := range hunk {
			if op.kind != '+' {
				oldN++
			}
			if op.kind != '-' {
				newN++
			}
		}
		if oldN == 0 {
			oldStart--
		}
		if newN == 0 {
			newStart--
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(oldStart, oldN), hunkRange(newStart, newN))
		for _, op := range hunk {
			line := a[op.a:]
			if op.kind == '+' {
				line = b[op.b:]
			}
			text := line[0]
			out.WriteByte(op.kind)
			trimmed := strings.TrimSuffix(text, "\n")
			out.WriteString(trimmed)
			out.WriteByte('\n')
			if trimmed == text {
				out.WriteString("\\ No newline at end of file\n")
			}
		}
		i = stop
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

// splitLines splits after each "\n", keeping it.
func splitLines(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, string(b))
			break
		}
		out = append(out, string(b[:i+1]))
		b = b[i+1:]
	}
	return out
}

// maxEditDistance bounds the trace Myers keeps (it grows with D times the
// file's length); a change that big is shown as one replaced block.
const maxEditDistance = 2000

func replaceAll(n, m int) []diffOp {
	ops := make([]diffOp, 0, n+m)
	for i := 0; i < n; i++ {
		ops = append(ops, diffOp{'-', i, 0})
	}
	for j := 0; j < m; j++ {
		ops = append(ops, diffOp{'+', n, j})
	}
	return ops
}

// diffOp is one line of an edit script: ' ' keeps a[a] (== b[b]), '-'
// drops a[a], '+' adds b[b].
type diffOp struct {
	kind byte
	a, b int
}

// diffLines computes a shortest edit script with Myers' greedy algorithm
// ("An O(ND) Difference Algorithm and Its Variations", 1986). A fix changes
// few lines, so D stays small and so does the trace kept for backtracking.
func diffLines(a, b []string) []diffOp {
	n, m := len(a), len(b)
	max := n + m
	v := make([]int, 2*max+2)
	off := max + 1
	var trace [][]int
	found := false
	for d := 0; d <= max && !found; d++ {
		if d > maxEditDistance {
			return replaceAll(n, m)
		}
		trace = append(trace, append([]int(nil), v...))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x++
				y++
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
	}
	// Backtrack from (n, m) through the saved frontiers.
	var rev []diffOp
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd := trace[d]
		k := x - y
		var prevK int
		if k == -d || (k != d && vd[off+k-1] < vd[off+k+1]) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := vd[off+prevK]
		prevY := prevX - prevK
		for x > prevX && y > prevY {
			x--
			y--
			rev = append(rev, diffOp{' ', x, y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, diffOp{'+', x, y})
		} else {
			x--
			rev = append(rev, diffOp{'-', x, y})
		}
	}
	for x > 0 && y > 0 {
		x--
		y--
		rev = append(rev, diffOp{' ', x, y})
	}
	ops := make([]diffOp, len(rev))
	for i := range rev {
		ops[i] = rev[len(rev)-1-i]
	}
	return ops
}
