// Command baseline is the yardstick of bench/run.sh: a bare net/http
// server that answers every request with a constant body of a given size,
// so that the mock's throughput can be read as a share of what the same
// machine, client and HTTP stack manage with no work at all.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	size := flag.Int("size", 512, "body size in bytes")
	addrFile := flag.String("addr-file", "", "write the bound address here")
	flag.Parse()
	body := bytes.Repeat([]byte("x"), *size)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *addrFile != "" {
		os.WriteFile(*addrFile, []byte(ln.Addr().String()+"\n"), 0o644)
	}
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		w.Write(body)
	}))
}
