package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
)

// The iSolarCloud client of the suite-scale benchmark: the default
// fixtures' app, its static code and its first data call.
const (
	suiteAppKey    = "B968E49385CBD8C74587A374E7B1D21A"
	suiteAccessKey = "MOCKSECRETKEY0123456789ABCDEFGHI"
	suiteCodeBody  = `{"appkey":"` + suiteAppKey + `","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`
	suitePlants    = `{"page":1,"size":100,"appkey":"` + suiteAppKey + `","lang":"_en_US"}`
	suiteSessions  = 1000
)

// suiteCall serves one request of a session in-process (the mock's whole
// handler: session, journal, scenario hook, vendor; no sockets, so that
// a thousand clients measure the mock and not the loopback's ports) and
// returns its status and body.
func suiteCall(a *app.App, method, target, body, access string) (int, []byte) {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json;charset=UTF-8")
	r.Header.Set("x-access-key", suiteAccessKey)
	if access != "" {
		r.Header.Set("Authorization", "Bearer "+access)
	}
	w := httptest.NewRecorder()
	a.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// lifecycle is one client's whole life in session s: code → token → data
// call → the session's clock past the token's expiry → the data call
// refused → refresh → data call. It says what went wrong, if anything.
func lifecycle(a *app.App, s string) error {
	base := "/s/" + s
	var tok struct {
		Code string `json:"result_code"`
		Data struct {
			Access  string `json:"access_token"`
			Refresh string `json:"refresh_token"`
		} `json:"result_data"`
	}
	status, body := suiteCall(a, "POST", base+"/openapi/apiManage/token", suiteCodeBody, "")
	if json.Unmarshal(body, &tok) != nil || tok.Code != "1" {
		return fmt.Errorf("token: %d %s", status, body)
	}
	if err := suiteData(a, base, tok.Data.Access, "1"); err != nil {
		return err
	}
	if status, body := suiteCall(a, "POST", "/_mock/clock?session="+s, `{"advance":"49h"}`, ""); status != http.StatusOK {
		return fmt.Errorf("clock: %d %s", status, body)
	}
	if err := suiteData(a, base, tok.Data.Access, "E00003"); err != nil {
		return err
	}
	status, body = suiteCall(a, "POST", base+"/openapi/apiManage/refreshToken",
		`{"appkey":"`+suiteAppKey+`","refresh_token":"`+tok.Data.Refresh+`","grant_type":"refresh_token"}`, "")
	if json.Unmarshal(body, &tok) != nil || tok.Code != "1" {
		return fmt.Errorf("refresh: %d %s", status, body)
	}
	return suiteData(a, base, tok.Data.Access, "1")
}

func suiteData(a *app.App, base, access, want string) error {
	status, body := suiteCall(a, "POST", base+"/openapi/platform/queryPowerStationList", suitePlants, access)
	var env struct {
		Code string `json:"result_code"`
	}
	if json.Unmarshal(body, &env) != nil || env.Code != want {
		return fmt.Errorf("data call: got %d %s, want result_code %s", status, body, want)
	}
	return nil
}

// BenchmarkSuiteScale is a CI suite sharing one mock: per iteration, a
// fresh mock serves 1,000 client lifecycles in one session, one after
// another, and a second fresh mock serves 1,000 sessions in parallel, each
// running the same lifecycle once. It reports both rates and their ratio
// (parallel/serial; the target is ≥ 0.5): sessions must not cost each
// other more than their share of the machine.
func BenchmarkSuiteScale(b *testing.B) {
	var serial, parallel time.Duration
	for b.Loop() {
		b.StopTimer()
		one := newSuiteApp(b)
		b.StartTimer()
		start := time.Now()
		for range suiteSessions {
			if err := lifecycle(one, "one"); err != nil {
				b.Fatal(err)
			}
		}
		serial += time.Since(start)

		b.StopTimer()
		many := newSuiteApp(b)
		b.StartTimer()
		start = time.Now()
		errs := make(chan error, suiteSessions)
		var wg sync.WaitGroup
		for i := range suiteSessions {
			wg.Go(func() {
				if err := lifecycle(many, fmt.Sprintf("suite-%d", i)); err != nil {
					errs <- err
				}
			})
		}
		wg.Wait()
		parallel += time.Since(start)
		close(errs)
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	one := float64(suiteSessions*b.N) / serial.Seconds()
	many := float64(suiteSessions*b.N) / parallel.Seconds()
	b.ReportMetric(one, "lifecycles/s-1-session")
	b.ReportMetric(many, "lifecycles/s-1000-sessions")
	b.ReportMetric(many/one, "ratio")
}

func newSuiteApp(b *testing.B) *app.App {
	a, err := app.New(app.Config{})
	if err != nil {
		b.Fatal(err)
	}
	return a
}
