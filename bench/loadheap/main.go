// Command loadheap shows what the mock's start-up leaves in memory: it
// builds the mock as mockserver does (embedded defaults), prints the heap
// before and after and the bytes allocated on the way, and writes an exact
// heap profile (every allocation sampled) for `go tool pprof`:
//
//	go run ./bench/loadheap /tmp/heap.prof
//	go tool pprof -sample_index=inuse_space -top /tmp/heap.prof
package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/tokenmock/tokenmock/internal/app"
)

func init() { runtime.MemProfileRate = 1 }

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: loadheap heap.prof")
		os.Exit(2)
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	a, err := app.New(app.Config{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&after)
	fmt.Printf("heap in use: %.2f MiB before, %.2f MiB after building the mock (live after a GC: %.2f MiB); allocated while building: %.2f MiB\n",
		mib(before.HeapInuse), mib(after.HeapInuse), mib(after.HeapAlloc), mib(allocated))
	f, err := os.Create(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer f.Close()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	runtime.KeepAlive(a)
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }
