package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const isolarTokenBody = `{"appkey":"B968E49385CBD8C74587A374E7B1D21A","grant_type":"authorization_code","code":"rFrnww","redirect_uri":"https://web3.isolarcloud.com.cn"}`

// scnServe builds the real app with cfg and serves it for the test.
func scnServe(t *testing.T, cfg serveConfig) *httptest.Server {
	t.Helper()
	a := &app{cfg: cfg, log: slog.New(slog.DiscardHandler), seed: 7}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	t.Cleanup(srv.Close)
	return srv
}

// scnPut activates an inline scenario for a session.
func scnPut(t *testing.T, url, session, yaml string) {
	t.Helper()
	req, _ := http.NewRequest("PUT", url+"/_mock/scenario", strings.NewReader(yaml))
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("X-Mock-Session", session)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("PUT scenario: got %d %s", resp.StatusCode, b)
	}
}

// scnToken posts the seed iSolarCloud exchange and returns the body.
func scnToken(client *http.Client, url, session string) (string, error) {
	req, _ := http.NewRequest("POST", url+"/openapi/apiManage/token", strings.NewReader(isolarTokenBody))
	req.Header.Set("x-access-key", "MOCKSECRETKEY0123456789ABCDEFGHI")
	req.Header.Set("X-Mock-Session", session)
	resp, err := client.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// With 64 goroutines sending 1,000 requests through a times: 100 rule,
// exactly 100 are acted on.
func TestScenarioTimesIsExactUnderConcurrency(t *testing.T) {
	srv := scnServe(t, serveConfig{})
	scnPut(t, srv.URL, "times", "rules:\n  - when: {endpoint: isolar.token}\n    after: 10\n    times: 100\n    do: {error: hourly_limit}\n")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var acted, passed, failed atomic.Int64
	next := make(chan struct{}, 1000)
	for i := 0; i < 1000; i++ {
		next <- struct{}{}
	}
	close(next)
	var wg sync.WaitGroup
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range next {
				body, err := scnToken(client, srv.URL, "times")
				switch {
				case err != nil:
					failed.Add(1)
				case strings.Contains(body, `"result_code":"E999"`):
					acted.Add(1)
				case strings.Contains(body, `"result_code":"1"`):
					passed.Add(1)
				default:
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if acted.Load() != 100 || passed.Load() != 900 || failed.Load() != 0 {
		t.Errorf("got %d acted, %d passed, %d failed; want 100, 900, 0", acted.Load(), passed.Load(), failed.Load())
	}
}

// A sequence of 3 steps under concurrency hands each step out exactly once.
func TestScenarioSequenceUnderConcurrency(t *testing.T) {
	srv := scnServe(t, serveConfig{})
	scnPut(t, srv.URL, "seq", `rules:
  - when: {endpoint: isolar.token}
    sequence:
      - {error: hourly_limit}
      - {error: monthly_limit}
      - {error: call_too_frequently}
`)
	counts := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := 0; i < 48; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body, err := scnToken(http.DefaultClient, srv.URL, "seq")
			if err != nil {
				t.Error(err)
				return
			}
			code := body[strings.Index(body, `"result_code":"`)+15:]
			code = code[:strings.IndexByte(code, '"')]
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	want := map[string]int{"E999": 1, "E998": 1, "E901": 1, "1": 45}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", counts, want)
	}
}

// Two sessions with different scenarios, in parallel, each see only their
// own failures and their own clock.
func TestScenarioSessionsAreIsolated(t *testing.T) {
	srv := scnServe(t, serveConfig{})
	scnPut(t, srv.URL, "a", "rules:\n  - when: {endpoint: isolar.token}\n    do: {error: hourly_limit}\n")
	scnPut(t, srv.URL, "b", "rules:\n  - when: {endpoint: isolar.token}\n    do: {error: ip_denied}\n")
	req, _ := http.NewRequest("POST", srv.URL+"/_mock/clock", strings.NewReader(`{"advance":"72h"}`))
	req.Header.Set("X-Mock-Session", "b")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("clock: %v", err)
	}
	var wg sync.WaitGroup
	for _, c := range []struct{ session, want, date string }{
		{"a", `"result_code":"E999"`, time.Now().UTC().Add(8 * time.Hour).Format("20060102")},
		{"b", `"result_code":"E918"`, time.Now().UTC().Add(80 * time.Hour).Format("20060102")},
		{"c", `"result_code":"1"`, time.Now().UTC().Add(8 * time.Hour).Format("20060102")},
	} {
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				body, err := scnToken(http.DefaultClient, srv.URL, c.session)
				if err != nil || !strings.Contains(body, c.want) || !strings.Contains(body, `"req_serial_num":"`+c.date) {
					t.Errorf("session %s: got %s (%v), want %s dated %s", c.session, body, err, c.want, c.date)
				}
			}()
		}
	}
	wg.Wait()
}

// Under --watch an edited scenario file changes behaviour; a broken save
// keeps the old version and logs the problem with its line.
func TestScenarioHotReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "mine.yaml")
	write := func(code string) {
		t.Helper()
		// A new size makes the change visible whatever the clock's resolution.
		src := "name: mine\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: " + code + "}\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("hourly_limit")
	logs := &syncBuffer{}
	a := &app{cfg: serveConfig{scenarios: dir, scenario: "mine", watch: true}, log: slog.New(slog.NewTextHandler(logs, nil)), seed: 1}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.watch(ctx, 20*time.Millisecond)

	await := func(want string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			body, err := scnToken(http.DefaultClient, srv.URL, "w")
			if err == nil && strings.Contains(body, want) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("got %s, want %s\nlogs:\n%s", body, want, logs)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	await(`"result_code":"E999"`)
	write("access_not_authorized")
	await(`"result_code":"E900"`)
	// A broken save: the old version stays, the log names the line.
	if err := os.WriteFile(file, []byte("name: mine\nrules:\n  - when: {endpoint: isolar.token}\n    do: {error: no_such_failure}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), file+`:4: rules[0].do.error: unknown failure \"no_such_failure\"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no problem logged; logs:\n%s", logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
	await(`"result_code":"E900"`)
}

// validate checks scenario files too.
func TestValidateScenarioFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("rules:\n  - when: {endpoint: oauth.token}\n    do: {error: token_invalid_code}\n"), 0o644)
	os.WriteFile(bad, []byte("rules:\n  - when: {endpoint: oauth.token}\n    do: {error: invalid_code, delay: 1x}\n"), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"validate", good, "../../scenarios", "../../fixtures"}, env(nil), &out, io.Discard); err != nil {
		t.Errorf("good: got %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"validate", bad}, env(nil), &out, io.Discard); exitCode(err) != 1 {
		t.Errorf("bad: got %v, want exit 1", err)
	}
	for _, want := range []string{bad + `:3: rules[0].do.delay: invalid duration "1x"`, bad + `:3: rules[0].do.error: unknown failure "invalid_code" for oauth.token`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("got\n%s\nwant a line %q", out.String(), want)
		}
	}
}

// --scenario makes a library scenario active in every session; an unknown
// one is a usage error; X-Mock-Scenario picks one per request.
func TestScenarioFlagAndHeader(t *testing.T) {
	srv := scnServe(t, serveConfig{scenario: "isolar-gateway-rate-limited"})
	if body, _ := scnToken(http.DefaultClient, srv.URL, "any"); !strings.Contains(body, `"result_code":"E999"`) {
		t.Errorf("--scenario: got %s, want the gateway's E999", body)
	}
	a := &app{cfg: serveConfig{scenario: "nope"}, log: slog.New(slog.DiscardHandler)}
	if err := a.load(); exitCode(err) != 2 {
		t.Errorf("unknown --scenario: got %v, want exit 2", err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/openapi/apiManage/token", strings.NewReader(isolarTokenBody))
	req.Header.Set("X-Mock-Scenario", "nope")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Errorf("unknown X-Mock-Scenario: got %d, want 400", resp.StatusCode)
	}
}

// The admin calls: list, activate by name, deactivate, and a session reset
// that gives a rule its budget back.
func TestScenarioAdminCalls(t *testing.T) {
	srv := scnServe(t, serveConfig{})
	call := func(method, path, body string) string {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("X-Mock-Session", "adm")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return fmt.Sprintf("%d %s", resp.StatusCode, b)
	}
	if got := call("PUT", "/_mock/scenario", `{"name":"isolar-gateway-rate-limited"}`); !strings.HasPrefix(got, `200 {"session":"adm","scenario":{"name":"isolar-gateway-rate-limited",`) {
		t.Errorf("PUT: got %s", got)
	}
	if got := call("GET", "/_mock/scenarios", ""); !strings.Contains(got, `"active":{"adm":"isolar-gateway-rate-limited"}`) ||
		!strings.Contains(got, `{"name":"oauth-invalid-code","description":"`) {
		t.Errorf("GET: got %s", got)
	}
	for i := 0; i < 3; i++ {
		scnToken(http.DefaultClient, srv.URL, "adm") // uses up the rule's three
	}
	if body, _ := scnToken(http.DefaultClient, srv.URL, "adm"); !strings.Contains(body, `"result_code":"1"`) {
		t.Errorf("after the budget: got %s", body)
	}
	if got := call("POST", "/_mock/reset?session=adm", ""); !strings.HasPrefix(got, "200 ") {
		t.Errorf("reset: got %s", got)
	}
	if body, _ := scnToken(http.DefaultClient, srv.URL, "adm"); strings.Contains(body, `"result_code":"E999"`) {
		t.Errorf("after reset the scenario should be off (no --scenario): got %s", body)
	}
	call("PUT", "/_mock/scenario", `{"name":"isolar-gateway-rate-limited"}`)
	if body, _ := scnToken(http.DefaultClient, srv.URL, "adm"); !strings.Contains(body, `"result_code":"E999"`) {
		t.Errorf("activated again: got %s, want a fresh budget", body)
	}
	if got := call("DELETE", "/_mock/scenario", ""); got != `200 {"session":"adm","scenario":null}` {
		t.Errorf("DELETE: got %s", got)
	}
	if body, _ := scnToken(http.DefaultClient, srv.URL, "adm"); !strings.Contains(body, `"result_code":"1"`) {
		t.Errorf("deactivated: got %s", body)
	}
	if got := call("PUT", "/_mock/scenario", `{"name":"nope"}`); !strings.HasPrefix(got, `400 {"error":"unknown scenario \"nope\""`) {
		t.Errorf("unknown: got %s", got)
	}
}

// A client that leaves during a delay is journalled as 499, and the
// vendor never sees the request.
func TestScenarioDelayLeftByClient(t *testing.T) {
	srv := scnServe(t, serveConfig{})
	scnPut(t, srv.URL, "gone", "rules:\n  - when: {endpoint: isolar.token}\n    times: 1\n    do: {delay: 2s}\n")
	impatient := &http.Client{Timeout: 100 * time.Millisecond}
	if _, err := scnToken(impatient, srv.URL, "gone"); err == nil {
		t.Fatal("got an answer, want the client to time out")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := http.Get(srv.URL + "/_mock/requests?session=gone")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(b), `"status":499`) && strings.Contains(string(b), `"rule":"inline/rules[0]"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("journal: %s, want status 499", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Under --watch, changed fixtures rebuild the mock; broken ones keep the
// old fixtures and log why.
func TestFixtureHotReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f.yaml")
	write := func(secret string) {
		t.Helper()
		src := "isolar:\n  apps:\n    - {name: A, appkey: K, access_key: " + secret + ", application_id: \"1\", redirect_uris: [\"https://a.example\"]}\n"
		if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("S1")
	logs := &syncBuffer{}
	a := &app{cfg: serveConfig{fixtures: dir, watch: true}, log: slog.New(slog.NewTextHandler(logs, nil)), seed: 1}
	if err := a.load(); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.watch(ctx, 20*time.Millisecond)
	code := func(secret string) string {
		req, _ := http.NewRequest("POST", srv.URL+"/openapi/apiManage/token", strings.NewReader(`{"appkey":"K"}`))
		req.Header.Set("x-access-key", secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	await := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not seen; logs:\n%s", what, logs)
			}
		}
	}
	// S1 is the app's secret: past the gateway, the missing grant type answers 6.
	await("first fixtures", func() bool { return strings.Contains(code("S1"), `"result_code":"6"`) })
	write("S2-longer")
	await("reloaded fixtures", func() bool { return strings.Contains(code("S2-longer"), `"result_code":"6"`) })
	os.WriteFile(file, []byte("isolar:\n  apps: [{nope: 1}]\n"), 0o644)
	await("the problem logged", func() bool { return strings.Contains(logs.String(), `unknown field \"nope\"`) })
	if got := code("S2-longer"); !strings.Contains(got, `"result_code":"6"`) {
		t.Errorf("after a broken save: got %s, want the old fixtures still served", got)
	}
}
