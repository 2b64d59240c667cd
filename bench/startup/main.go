// Command startup measures how long a server takes from exec to the first
// 200 from /_mock/health, and its resident memory once idle, n times each
// for the mock and for a baseline binary started the same way, the runs
// interleaved so that both see the same machine. It prints the medians,
// the start-up ratio and the memory difference beside their targets.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	bin := flag.String("bin", "./mockserver", "the mock's binary")
	base := flag.String("base", "", "the baseline binary (bench/gin); empty: the mock alone")
	n := flag.Int("n", 20, "runs of each")
	settle := flag.Duration("settle", 200*time.Millisecond, "wait after the first 200 before reading the resident memory")
	flag.Parse()
	var mock, yard runs
	for i := 0; i < *n; i++ {
		mock.add(once(*bin, *settle))
		if *base != "" {
			yard.add(once(*base, *settle))
		}
	}
	mock.print("mockserver")
	if *base == "" {
		return
	}
	yard.print("bare gin")
	fmt.Printf("start-up ratio mock/gin: %.2f   (target ≤ 1.25) %s; CPU time ratio %.2f\n", ratio(mock.start, yard.start), mark(ratio(mock.start, yard.start) <= 1.25), ratio(mock.cpu, yard.cpu))
	diff := float64(median(mock.rss)-median(yard.rss)) / 1024
	fmt.Printf("idle RSS mock − gin:     %+.1f MiB (target ≤ +3 MiB) %s\n", diff, mark(diff <= 3))
}

type runs struct {
	start, cpu []time.Duration
	rss, anon  []int // KiB
}

func (r *runs) add(start, cpu time.Duration, rss, anon int) {
	r.start = append(r.start, start)
	r.cpu = append(r.cpu, cpu)
	r.rss = append(r.rss, rss)
	r.anon = append(r.anon, anon)
}

func (r *runs) print(name string) {
	s := slices.Clone(r.start)
	slices.Sort(s)
	fmt.Printf("%-10s start-up median %.1f ms (min %.1f, max %.1f, %d runs; CPU %.1f ms); idle RSS median %.1f MiB (anonymous %.1f MiB)\n",
		name, ms(s[len(s)/2]), ms(s[0]), ms(s[len(s)-1]), len(s), ms(median(r.cpu)), float64(median(r.rss))/1024, float64(median(r.anon))/1024)
}

// once starts bin on a free port, times it to the first 200 from health,
// waits settle and reads its resident memory (total and anonymous, KiB).
// It also returns the CPU time the process used in all (start-up, then
// idle): less moved than wall time by a busy machine.
func once(bin string, settle time.Duration) (took, cpu time.Duration, rss, anon int) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	client := &http.Client{Timeout: time.Second}
	cmd := exec.Command(bin, "--addr", addr) // the default settings; logs to /dev/null
	start := time.Now()
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
		cpu = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}()
	for {
		resp, err := client.Get("http://" + addr + "/_mock/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Since(start) > 10*time.Second {
			fail(fmt.Errorf("%s: no health after 10 s", bin))
		}
		time.Sleep(200 * time.Microsecond)
	}
	took = time.Since(start)
	client.CloseIdleConnections()
	time.Sleep(settle)
	rss, anon = memory(cmd.Process.Pid)
	return took, 0, rss, anon
}

// memory reads VmRSS and RssAnon of a process, in KiB.
func memory(pid int) (rss, anon int) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		fail(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "RssAnon:":
			anon = v
		}
	}
	return rss, anon
}

func median[T int | time.Duration](v []T) T {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func ratio(a, b []time.Duration) float64 { return float64(median(a)) / float64(median(b)) }

func mark(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, "startup:", err)
	os.Exit(1)
}
