// Command parsebench is the yardstick of scripts/lint-speed.sh: it reads
// every .toml file of a folder and parses each once with go-toml/v2, on
// every core, and prints how many it parsed. It is what "one parse of the
// same files" costs, so that lint's wall time can be compared with it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	gotoml "github.com/pelletier/go-toml/v2"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: parsebench DIR")
		os.Exit(2)
	}
	paths, err := filepath.Glob(filepath.Join(os.Args[1], "*.toml"))
	if err != nil || len(paths) == 0 {
		fmt.Fprintf(os.Stderr, "parsebench: no .toml files in %s\n", os.Args[1])
		os.Exit(2)
	}
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(paths) {
					return
				}
				data, err := os.ReadFile(paths[i])
				var doc map[string]any
				if err == nil {
					err = gotoml.Unmarshal(data, &doc)
				}
				if err != nil {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("parsed %d files, %d failed\n", len(paths), failed.Load())
	if failed.Load() > 0 {
		os.Exit(1)
	}
}
