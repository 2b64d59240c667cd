// Command issue makes n iSolarCloud token issues against a running mock,
// each one a fresh token pair (token_scope_mode authorization_bound), from
// c connections, for bench/run.sh's memory figure.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "the mock")
	n := flag.Int64("n", 1000000, "token issues")
	c := flag.Int("c", 32, "connections")
	flag.Parse()
	body := `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn","token_scope_mode":"authorization_bound"}`
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c}}
	var left atomic.Int64
	left.Store(*n)
	var failed atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < *c; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				req, _ := http.NewRequest("POST", *url+"/openapi/apiManage/token", strings.NewReader(body))
				req.Header.Set("x-access-key", "MOCKSECRETKEY0123456789ABCDEFGHI")
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if !strings.Contains(string(b), `"result_code":"1"`) {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if failed.Load() > 0 {
		fmt.Fprintf(os.Stderr, "issue: %d of %d failed\n", failed.Load(), *n)
		os.Exit(1)
	}
}
