package server_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tokenmock/tokenmock/internal/app"
	"github.com/tokenmock/tokenmock/internal/testkit"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// logged is the whole mock (vendors, scenario library) with its log in a
// buffer at level.
type logged struct {
	*env
	logs *testkit.Buffer
}

func newLogged(t *testing.T, level slog.Level) *logged {
	t.Helper()
	logs := &testkit.Buffer{}
	a, err := app.New(app.Config{Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: level}))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(apicheck.Wrap(t, a))
	t.Cleanup(srv.Close)
	return &logged{&env{t, srv.URL, nil}, logs}
}

// line is the one log line with msg and every one of parts; the test
// fails when there is not exactly one.
func (l *logged) line(msg string, parts ...string) string {
	l.t.Helper()
	var found []string
	for ln := range strings.SplitSeq(l.logs.String(), "\n") {
		if !strings.Contains(ln, " msg="+msg+" ") && !strings.Contains(ln, ` msg="`+msg+`" `) {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && strings.Contains(ln, p)
		}
		if all {
			found = append(found, ln)
		}
	}
	if len(found) != 1 {
		l.t.Fatalf("want one %q line with %q, got %d in:\n%s", msg, parts, len(found), l.logs)
	}
	return found[0]
}

// entry is the session's one journal entry.
func (l *logged) entry(session string) entries {
	l.t.Helper()
	got := decode[entries](l.t, l.do("GET", "/s/"+session+"/_mock/requests", nil, ""))
	if len(got.Requests) != 1 {
		l.t.Fatalf("session %s: got %d journal entries, want 1", session, len(got.Requests))
	}
	return got
}

// useScenario puts a whole scenario (YAML) into the session.
func (l *logged) useScenario(session, yaml string) {
	l.t.Helper()
	if r := l.do("PUT", "/s/"+session+"/_mock/scenario", map[string]string{"Content-Type": "application/yaml"}, yaml); r.Status != 200 {
		l.t.Fatalf("PUT scenario: got %d %s", r.Status, r.Body)
	}
}

// tokenRequest is the default app's token request in the session.
func (l *logged) tokenRequest(session string) *http.Request {
	l.t.Helper()
	req, err := http.NewRequest("POST", l.url+"/s/"+session+"/openapi/apiManage/token", strings.NewReader(tokenBody))
	if err != nil {
		l.t.Fatal(err)
	}
	req.Header.Set("x-access-key", accessKey)
	return req
}

// awaitEntries waits (10 s at most) for the session's journal to list an
// entry: the server records a request whose client left only after it
// closed the connection, so the client may ask before then.
func (l *logged) awaitEntries(session string) entries {
	l.t.Helper()
	var got entries
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && len(got.Requests) == 0; time.Sleep(10 * time.Millisecond) {
		got = decode[entries](l.t, l.do("GET", "/s/"+session+"/_mock/requests", nil, ""))
	}
	return got
}

var reasonAttr = regexp.MustCompile(`reason=("[^"]+"|[^ "]+)`)

// Review point 9: a failed vendor request says why in its log line and its
// journal entry, also when the vendor answers HTTP 200; a successful one
// carries no failure fields; durations are milliseconds in both.
func TestLogSaysWhyARequestFailed(t *testing.T) {
	l := newLogged(t, slog.LevelInfo)
	l.token("/s/ok/openapi/apiManage/token", nil)
	ok := l.line("request", "session=ok ")
	for _, want := range []string{"level=INFO", "endpoint=isolar.token", "status=200", "duration_ms="} {
		if !strings.Contains(ok, want) {
			t.Errorf("success line: want %q in %s", want, ok)
		}
	}
	for _, not := range []string{"failure=", "reason=", "result_code=", "duration=", "body="} {
		if strings.Contains(ok, not) {
			t.Errorf("success line at info: want no %q in %s", not, ok)
		}
	}

	bad := strings.Replace(tokenBody, `"code":"rFrnww"`, `"code":"nope42"`, 1)
	if r := l.do("POST", "/s/bad/openapi/apiManage/token", map[string]string{"x-access-key": accessKey}, bad); r.Status != 200 || !strings.Contains(string(r.Body), `"result_code":"2"`) {
		t.Fatalf("invalid code: got %d %s, want the vendor's 200 with result_code 2", r.Status, r.Body)
	}
	line := l.line("request", "session=bad ")
	for _, want := range []string{"status=200", "failure=invalid_code", "result_code=2", "duration_ms="} {
		if !strings.Contains(line, want) {
			t.Errorf("failure line: want %q in %s", want, line)
		}
	}
	if !reasonAttr.MatchString(line) {
		t.Errorf("failure line: want a non-empty reason= in %s", line)
	}
	e := l.entry("bad").Requests[0]
	if e.Failure != "invalid_code" || e.Reason == "" || e.DurationMS <= 0 {
		t.Errorf("journal: got failure %q reason %q duration_ms %v, want invalid_code, a reason and a duration", e.Failure, e.Reason, e.DurationMS)
	}
	if got := reasonAttr.FindStringSubmatch(line); got != nil && strings.Trim(got[1], `"`) != e.Reason {
		t.Errorf("the log's reason %s differs from the journal's %q", got[1], e.Reason)
	}
	if ok := l.entry("ok").Requests[0]; ok.Failure != "" || ok.Reason != "" {
		t.Errorf("journal of a success: got failure %q reason %q, want none", ok.Failure, ok.Reason)
	}
}

const injectYAML = `name: inject
rules:
  - name: refuse
    when: {endpoint: isolar.token}
    do: {error: invalid_code}
`

// A failure a scenario rule answered says so: the vendor's failure name
// and code, the rule, and a reason naming the rule.
func TestLogNamesTheRuleThatFailedARequest(t *testing.T) {
	l := newLogged(t, slog.LevelInfo)
	l.useScenario("inj", injectYAML)
	l.token("/s/inj/openapi/apiManage/token", nil)
	line := l.line("request", "session=inj ")
	want := "scenario rule inject/refuse answered instead of the vendor"
	for _, part := range []string{"failure=invalid_code", "result_code=2", "rule=inject/refuse", `reason="` + want + `"`} {
		if !strings.Contains(line, part) {
			t.Errorf("want %q in %s", part, line)
		}
	}
	e := l.entry("inj").Requests[0]
	if e.Failure != "invalid_code" || e.Rule != "inject/refuse" || e.Reason != want {
		t.Errorf("journal: got failure %q rule %q reason %q", e.Failure, e.Rule, e.Reason)
	}
}

const faultYAML = `name: cut
rules:
  - name: empty
    when: {endpoint: isolar.token}
    do: {fault: empty}
`

// Review point 30: a fault that answers nothing is journalled and logged
// with status 0 and a reason naming the rule.
func TestLogRecordsAFaultAsStatusZero(t *testing.T) {
	l := newLogged(t, slog.LevelInfo)
	l.useScenario("cut", faultYAML)
	client := &http.Client{Timeout: 30 * time.Second}
	if resp, err := client.Do(l.tokenRequest("cut")); err == nil {
		resp.Body.Close()
		t.Fatalf("fault: empty: got an answer %d, want none", resp.StatusCode)
	}
	got := l.awaitEntries("cut")
	if len(got.Requests) != 1 {
		t.Fatalf("got %d journal entries, want 1", len(got.Requests))
	}
	want := "scenario rule cut/empty cut the connection without an answer (fault)"
	if e := got.Requests[0]; e.Status != 0 || e.Rule != "cut/empty" || e.Reason != want || e.Failure != "" {
		t.Errorf("journal: got status %d rule %q failure %q reason %q, want 0, cut/empty, none, %q", e.Status, e.Rule, e.Failure, e.Reason, want)
	}
	line := l.line("request", "session=cut ")
	if !strings.Contains(line, "status=0 ") || !strings.Contains(line, `reason="`+want+`"`) || strings.Contains(line, "failure=") {
		t.Errorf("log: want status=0, the reason and no failure= in %s", line)
	}
}

// At debug, a vendor request's line carries both bodies, masked, with the
// kind of password shown; the journal keeps "***". Admin calls are logged:
// failures at warn with their error, the rest at debug; a request refused
// before any vendor at warn.
func TestDebugLog(t *testing.T) {
	l := newLogged(t, slog.LevelDebug)
	l.do("POST", "/s/dbg/account/v1.0/token?appId=1", nil, `{"appSecret":"s3cr3t","username":"u","password":"hunter2hunt"}`)
	line := l.line("request", "session=dbg ")
	for _, want := range []string{`\"password\":\"***(plaintext, 11 chars)\"`, `\"appSecret\":\"***\"`, "response_body=", "endpoint=solarman.token"} {
		if !strings.Contains(line, want) {
			t.Errorf("debug line: want %q in %s", want, line)
		}
	}
	if strings.Contains(line, "hunter2") || strings.Contains(line, "s3cr3t") {
		t.Errorf("debug line shows a secret: %s", line)
	}
	if e := l.entry("dbg").Requests[0]; !strings.Contains(e.Body, `"password":"***"`) || strings.Contains(e.Body, "plaintext") {
		t.Errorf("journal body: got %s, want the password as \"***\"", e.Body)
	}

	l.do("GET", "/_mock/requests?endpoint=nope", nil, "")
	warn := l.line("admin", "status=400")
	for _, want := range []string{"level=WARN", "method=GET", "path=/_mock/requests", "session=default", `error="endpoint: unknown id \"nope\"`} {
		if !strings.Contains(warn, want) {
			t.Errorf("admin 400: want %q in %s", want, warn)
		}
	}
	l.do("GET", "/_mock/clock", map[string]string{"X-Mock-Session": "clk"}, "")
	if ok := l.line("admin", "path=/_mock/clock"); !strings.Contains(ok, "level=DEBUG") || !strings.Contains(ok, "session=clk") || !strings.Contains(ok, "status=200") {
		t.Errorf("admin 200: got %s, want a debug line", ok)
	}
	l.do("POST", "/openapi/apiManage/token", map[string]string{"X-Mock-Session": "no way"}, tokenBody)
	if r := l.line("request refused"); !strings.Contains(r, "level=WARN") || !strings.Contains(r, "status=400") || !strings.Contains(r, `invalid session name`) {
		t.Errorf("refused: got %s", r)
	}
}

// A fault over a writer with no connection to cut (HTTP/2, here a
// recorder) leaves the server by http.ErrAbortHandler: the request is
// journalled and logged on the way out, and the panic goes on to net/http.
func TestAbortedFaultIsRecorded(t *testing.T) {
	logs := &testkit.Buffer{}
	a, err := app.New(app.Config{Log: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	serve := func(method, target, contentType, body string) (w *httptest.ResponseRecorder, panicked any) {
		defer func() { panicked = recover() }()
		r := httptest.NewRequest(method, target, strings.NewReader(body))
		r.Header.Set("Content-Type", contentType)
		r.Header.Set("x-access-key", accessKey)
		w = httptest.NewRecorder()
		apicheck.Wrap(t, a).ServeHTTP(w, r)
		return w, nil
	}
	if w, p := serve("PUT", "/s/h2/_mock/scenario", "application/yaml", faultYAML); p != nil || w.Code != 200 {
		t.Fatalf("PUT scenario: got %d %s (panic %v)", w.Code, w.Body, p)
	}
	if _, p := serve("POST", "/s/h2/openapi/apiManage/token", "application/json", tokenBody); p != http.ErrAbortHandler {
		t.Fatalf("the fault: got panic %v, want http.ErrAbortHandler", p)
	}
	w, _ := serve("GET", "/s/h2/_mock/requests", "", "")
	got := decode[entries](t, testkit.Response{Status: w.Code, Body: w.Body.Bytes()}).Requests
	if len(got) != 1 || got[0].Status != 0 || got[0].Rule != "cut/empty" || !strings.Contains(got[0].Reason, "cut the connection") {
		t.Errorf("journal: got %+v, want one entry with status 0, the rule and the reason", got)
	}
	if n := strings.Count(logs.String(), "msg=request session=h2 "); n != 1 {
		t.Errorf("got %d log lines of the request, want 1:\n%s", n, logs)
	}
}

const delayYAML = `name: slow
rules:
  - name: wait
    when: {endpoint: isolar.token}
    do: {delay: 10m}
`

// A client that gives up during a rule's delay is journalled and logged
// with status 499 and a reason that says so.
func TestClientGivingUpDuringADelayIs499(t *testing.T) {
	l := newLogged(t, slog.LevelInfo)
	l.useScenario("slow", delayYAML)
	if resp, err := (&http.Client{Timeout: 100 * time.Millisecond}).Do(l.tokenRequest("slow")); err == nil {
		resp.Body.Close()
		t.Fatalf("got an answer %d during a 10-minute delay", resp.StatusCode)
	}
	got := l.awaitEntries("slow")
	want := "the client gave up during the delay of scenario rule slow/wait"
	if len(got.Requests) != 1 || got.Requests[0].Status != 499 || got.Requests[0].Reason != want {
		t.Fatalf("journal: got %+v, want one entry with status 499 and reason %q", got.Requests, want)
	}
	if line := l.line("request", "session=slow "); !strings.Contains(line, "status=499 ") || !strings.Contains(line, `reason="`+want+`"`) {
		t.Errorf("log: want status=499 and the reason in %s", line)
	}
}
