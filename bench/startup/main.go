// Command startup measures how long mockserver takes from exec to the
// first 200 from /_mock/health, n times, and prints the median.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"time"
)

func main() {
	bin := flag.String("bin", "./mockserver", "the binary")
	n := flag.Int("n", 20, "runs")
	flag.Parse()
	var runs []time.Duration
	client := &http.Client{Timeout: time.Second}
	for i := 0; i < *n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fail(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		cmd := exec.Command(*bin, "--addr", addr, "--log-level", "warn")
		start := time.Now()
		if err := cmd.Start(); err != nil {
			fail(err)
		}
		for {
			resp, err := client.Get("http://" + addr + "/_mock/health")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				fail(fmt.Errorf("no health after 10 s"))
			}
			time.Sleep(200 * time.Microsecond)
		}
		runs = append(runs, time.Since(start))
		cmd.Process.Kill()
		cmd.Wait()
	}
	slices.Sort(runs)
	fmt.Printf("startup: median %.1f ms, min %.1f ms, max %.1f ms over %d runs\n",
		ms(runs[len(runs)/2]), ms(runs[0]), ms(runs[len(runs)-1]), len(runs))
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startup:", err)
	os.Exit(1)
}
