// Command gin is the start-up and memory yardstick of bench/run.sh: a bare
// gin server (gin.New(), release mode, one route) built with the mock's
// flags, so that the mock's start-up and idle memory read as a share of
// what the framework itself costs. It takes the mock's --addr, --addr-file
// and --log-level flags (the last ignored) so that both start alike.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	addrFile := flag.String("addr-file", "", "write the bound address here")
	flag.String("log-level", "", "ignored")
	flag.Parse()
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.GET("/_mock/health", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *addrFile != "" {
		os.WriteFile(*addrFile, []byte(ln.Addr().String()+"\n"), 0o644)
	}
	fmt.Fprintln(os.Stderr, http.Serve(ln, e))
}
