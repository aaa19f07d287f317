package run

import "sync"

// SourceBuffer returns an empty buffer with room for at least n bytes,
// to read a config into. Check hands back the buffers of the files it
// keeps no text of, so a run over many files reads each into the bytes
// of one it is done with instead of allocating them all: a thousand
// datanode configs were 26 MB of the 180 MB a lint allocated.
func SourceBuffer(n int) []byte {
	if p, ok := buffers.Get().(*[]byte); ok && cap(*p) >= n {
		return (*p)[:0]
	}
	return make([]byte, 0, n)
}

// recycle gives a buffer back for SourceBuffer. Nothing may refer to its
// bytes any more: a loaded file's values and keys are strings of their
// own, and Check calls this only once the file's text is dropped.
func recycle(b []byte) {
	if cap(b) == 0 || cap(b) > maxRecycled {
		return
	}
	b = b[:0]
	buffers.Put(&b)
}

// maxRecycled keeps a stray large file's buffer from living on.
const maxRecycled = 1 << 20

var buffers sync.Pool
