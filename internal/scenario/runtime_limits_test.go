package scenario

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// inlineOfSize is an inline scenario whose estimated memory is size.
func inlineOfSize(t *testing.T, size int) *Scenario {
	t.Helper()
	sc := mustParse(t, "rules: [{when: {endpoint: isolar.token}, do: {status: 501}}]")
	sc.Size = size
	return sc
}

// wantRefused checks that err is the 413 of a budget whose message is
// want, and that it says how much the scenario needed.
func wantRefused(t *testing.T, what string, err error, want, needs string) {
	t.Helper()
	var ae *mock.AdminError
	if !errors.As(err, &ae) || ae.Status != http.StatusRequestEntityTooLarge || ae.Message != want ||
		len(ae.Details) != 1 || !strings.Contains(ae.Details[0], "needs about "+needs+" of memory") {
		t.Errorf("%s: got %#v, want a 413 AdminError %q, needing %s", what, err, want, needs)
	}
}

func wantUsed(t *testing.T, e *Engine, want int64) {
	t.Helper()
	if got := e.used.Load(); got != want {
		t.Errorf("got %d bytes of inline scenarios charged, want %d", got, want)
	}
}

// An inline scenario of SessionBudget is accepted, one byte more is
// refused, and the session keeps the scenario it had.
func TestActivateSessionBudget(t *testing.T) {
	e := NewEngine(testCatalogue(), 1)
	mustDo(t, "Activate at the budget", e.Activate(1, inlineOfSize(t, SessionBudget), false))
	wantUsed(t, e, SessionBudget)
	wantRefused(t, "one byte past the budget", e.Activate(1, inlineOfSize(t, SessionBudget+1), false), "scenario too large (limit 2 MiB of memory per session)", "2.0 MiB")
	wantUsed(t, e, SessionBudget)
	wantActs(t, e, 1, 501)
}

// All sessions' inline scenarios together stay within TotalBudget; what a
// session's scenario cost is given back when it is replaced, deactivated,
// replaced by a library scenario, reset or dropped.
func TestActivateTotalBudget(t *testing.T) {
	e := newLibraryEngine(t)
	e.totalBudget = 3000
	const total = "inline scenarios of all sessions too large (limit 3000 bytes of memory in all)"
	for s := uint64(1); s <= 3; s++ {
		mustDo(t, "Activate within the total", e.Activate(s, inlineOfSize(t, 1000), false))
	}
	wantUsed(t, e, 3000)
	wantRefused(t, "a fourth session past the total", e.Activate(4, inlineOfSize(t, 1), false), total, "1 bytes")
	wantRefused(t, "a session growing past the total", e.Activate(1, inlineOfSize(t, 1001), false), total, "1001 bytes")
	wantUsed(t, e, 3000)
	mustDo(t, "Activate a smaller one instead", e.Activate(1, inlineOfSize(t, 500), false))
	wantUsed(t, e, 2500)

	e.Deactivate(1)
	wantUsed(t, e, 2000)
	mustDo(t, "ActivateByName", e.ActivateByName(2, "once"))
	wantUsed(t, e, 1000)
	e.Reset(3)
	wantUsed(t, e, 0)
	mustDo(t, "Activate after the others freed theirs", e.Activate(4, inlineOfSize(t, 3000), false))
	wantUsed(t, e, 3000)
	e.ResetAll()
	wantUsed(t, e, 0)
	// Library scenarios are shared: they cost nothing.
	for s := uint64(1); s <= 10; s++ {
		mustDo(t, "ActivateFresh", e.ActivateFresh(s, "once"))
	}
	wantUsed(t, e, 0)
}

// Under concurrent activations the total is exact: as many fit as the
// budget holds, no fewer.
func TestActivateTotalBudgetConcurrent(t *testing.T) {
	e := NewEngine(testCatalogue(), 1)
	e.totalBudget = 1000
	const sessions = 40
	scs := make([]*Scenario, sessions)
	for i := range scs {
		scs[i] = inlineOfSize(t, 100)
	}
	var accepted atomic.Int64
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Go(func() {
			if e.Activate(uint64(i+1), scs[i], false) == nil {
				accepted.Add(1)
			}
		})
	}
	wg.Wait()
	if got := accepted.Load(); got != 10 {
		t.Errorf("got %d of %d scenarios of 100 bytes accepted within 1000, want 10", got, sessions)
	}
	wantUsed(t, e, 1000)
}

// A state that Reset dropped is never activated again: a request that
// held it activates on the session's new state, whose cost Reset of that
// one gives back.
func TestActivateAfterReset(t *testing.T) {
	e := NewEngine(testCatalogue(), 1)
	old := e.state(1)
	e.Reset(1)
	mustDo(t, "Activate", e.Activate(1, inlineOfSize(t, 100), false))
	if e.state(1) == old || old.cost != 0 || old.scenario != nil {
		t.Errorf("got the dropped state activated (cost %d), want a new state", old.cost)
	}
	e.Reset(1)
	wantUsed(t, e, 0)
}

// A regex reads the first MatchInputLimit bytes of a value.
func TestMatchInputLimit(t *testing.T) {
	e := engineWith(t, `rules: [{when: {endpoint: isolar.token, match: {header.x-long: {regex: "y"}}}, do: {status: 501}}]`)
	cases := []struct {
		name  string
		value string
		want  bool
	}{
		{"y at the last byte read", strings.Repeat("x", MatchInputLimit-1) + "y", true},
		{"y past it", strings.Repeat("x", MatchInputLimit) + "y", false},
	}
	for _, c := range cases {
		rule, _ := decideOn(t, e, 1, probe{endpoint: "isolar.token", header: map[string]string{"x-long": c.value}})
		if got := rule != ""; got != c.want {
			t.Errorf("%s: got matched %v, want %v", c.name, got, c.want)
		}
	}
}

// The rules are matched with no lock held: matchAll runs while the
// session's lock is taken (it would wait for ever if it took it), and
// count then refuses a scenario that changed meanwhile, so that decide
// matches again against the new one.
func TestMatchOutsideTheLock(t *testing.T) {
	e := engineWith(t, `rules: [{when: {endpoint: isolar.token, match: {body.code: {regex: "^a+$"}}}, times: 1, do: {status: 501}}]`)
	sc := e.Active(1)
	req := &request{header: http.Header{}, body: []byte(`{"code":"aaaa"}`)}
	st := e.locked(1)
	matched := sc.matchAll("isolar.token", req, nil)
	st.mu.Unlock()
	if len(matched) != 1 || !matched[0] {
		t.Fatalf("got matched %v, want [true]", matched)
	}
	e.Activate(1, mustParse(t, "rules: [{when: {endpoint: isolar.token}, do: {status: 502}}]"), false)
	if _, _, ok := e.count(st, "1", sc, matched); ok {
		t.Errorf("count against a scenario no longer active: got ok, want a new match")
	}
	if rule, a := decideOn(t, e, 1, probe{endpoint: "isolar.token", body: `{"code":"aaaa"}`}); a == nil || a.Status != 502 {
		t.Errorf("got rule %q, want the new scenario's 502", rule)
	}
	sc = e.Active(1)
	e.Reset(1)
	if _, _, ok := e.count(st, "1", sc, matched); ok {
		t.Errorf("count on a state Reset dropped: got ok, want a new match")
	}
}

// drawsOf is which of n requests of session name (id) a probability-0.5
// rule acts on; between two, other (when not nil) decides too.
func drawsOf(t *testing.T, e *Engine, id uint64, name string, n int, other func()) string {
	t.Helper()
	var b strings.Builder
	for range n {
		rule, _ := e.decide(id, name, "isolar.token", httptestRequest(), nil)
		b.WriteByte(".x"[min(len(rule), 1)])
		if other != nil {
			other()
		}
	}
	return b.String()
}

func httptestRequest() *http.Request {
	r, _ := http.NewRequest(http.MethodPost, "/token", nil)
	return r
}

// --seed makes a session's draws the same in every run, whatever other
// sessions draw, and whatever id the session has in that run.
func TestSeedPerSession(t *testing.T) {
	const half = "rules: [{when: {endpoint: isolar.token}, probability: 0.5, do: {status: 503}}]"
	run := func(id uint64, name string, withOther bool) string {
		e := NewEngine(testCatalogue(), 42)
		e.Activate(id, mustParse(t, half), false)
		e.Activate(99, mustParse(t, half), false)
		var other func()
		if withOther {
			other = func() { e.decide(99, "Y", "isolar.token", httptestRequest(), nil) }
		}
		return drawsOf(t, e, id, name, 40, other)
	}
	alone := run(1, "X", false)
	if again := run(1, "X", false); again != alone {
		t.Errorf("session X in two runs: got\n%s\n%s\nwant the same draws", alone, again)
	}
	if shared := run(7, "X", true); shared != alone {
		t.Errorf("session X with session Y drawing in between: got\n%s\nwant\n%s", shared, alone)
	}
	if other := run(1, "Z", false); other == alone {
		t.Errorf("sessions X and Z: got the same draws %s, want each its own", alone)
	}
}

// At most maxHeld requests wait in a hang or a delay; the next one is
// answered at once with a 503 naming the limit, and once a held request
// ends its place is free again.
func TestMaxHeldRequests(t *testing.T) {
	s := newTestServer(t)
	s.engine.maxHeld = 2
	s.activate(t, "held", oneRule("{fault: hang}"))
	client := s.client(t, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := send(client, s.newRequest(t, call{path: "/token", session: "held"}).WithContext(ctx))
			errs <- err
		}()
	}
	waitHeld(s.engine, 2)
	a, err := send(client, s.newRequest(t, call{path: "/token", session: "held"}))
	want := `{"error":"too many requests held by hang/delay scenarios (limit 2)"`
	if err != nil || a.status != http.StatusServiceUnavailable || !strings.HasPrefix(a.body, want) || a.header.Get("Content-Type") != "application/json" ||
		a.header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("third held request: got %d %q (%v), want 503 with %s", a.status, a.body, err, want)
	}
	cancel()
	for range 2 {
		if err := <-errs; !errors.Is(err, context.Canceled) {
			t.Errorf("held request: got %v, want the client's own cancellation", err)
		}
	}
	waitHeld(s.engine, 0)
	s.activate(t, "held", oneRule("{delay: 1ms}"))
	if a, err := send(client, s.newRequest(t, call{path: "/token", session: "held"})); err != nil || a.status != http.StatusOK {
		t.Errorf("a delay once the others ended: got %d %q (%v), want the vendor's 200", a.status, a.body, err)
	}
}

// waitHeld waits until n requests are held.
func waitHeld(e *Engine, n int64) {
	for e.held.Load() != n {
		runtime.Gosched()
	}
}

// A rewrite whose client left while the vendor answered does no work on
// the answer: nothing is set, and the journal has 499.
func TestRewriteAfterClientLeft(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	a := &Action{Set: []SetField{{Path: []string{"a"}, Value: []byte(`"changed"`)}}}
	r.POST("/token", func(c *gin.Context) { rewrite(c, a) }, func(c *gin.Context) {
		c.Data(http.StatusOK, "application/json", []byte(vendorJSON(0)))
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/token", nil).WithContext(ctx))
	if w.Code != StatusClientClosed || strings.Contains(w.Body.String(), "changed") {
		t.Errorf("got %d %q, want %d and no rewritten answer", w.Code, w.Body, StatusClientClosed)
	}
}

// A delay holds its request only while it waits: the vendor's answer that
// the action then changes runs with the place given back.
func TestDelayReleasesItsHold(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	e := NewEngine(testCatalogue(), 1)
	a := &Action{Delay: time.Millisecond, Set: []SetField{{Path: []string{"a"}, Value: []byte(`"changed"`)}}}
	heldDuringVendor := int64(-1)
	r := gin.New()
	r.POST("/token", func(c *gin.Context) { e.act(c, 1, "s", a, nil) }, func(c *gin.Context) {
		heldDuringVendor = e.held.Load()
		c.Data(http.StatusOK, "application/json", []byte(vendorJSON(0)))
	})
	w := httptest.NewRecorder()
	r.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/token", nil))
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"a":"changed"`) {
		t.Errorf("got %d %q, want the vendor's answer with a changed", w.Code, w.Body)
	}
	if heldDuringVendor != 0 || e.held.Load() != 0 {
		t.Errorf("got %d held while the vendor answered, %d after, want 0 and 0", heldDuringVendor, e.held.Load())
	}
}

// A request's regex matches cost at most MaxMatchWork (bytes read times
// instructions): a match that would pass it fails, one that reaches it
// exactly is made.
func TestMaxMatchWork(t *testing.T) {
	re := "y|" + strings.Repeat("[ab]", 100)
	rx, insts, _, problem := compileRegex(re)
	if problem != "" {
		t.Fatal(problem)
	}
	n := MaxMatchWork / insts
	if n >= MatchInputLimit || n*MaxRegexProgram <= MaxMatchWork {
		t.Fatalf("the test's regex: %d instructions give %d bytes, want fewer than MatchInputLimit and past the bound", insts, n)
	}
	e := engineWith(t, `rules: [{when: {endpoint: isolar.token, match: {header.x-long: {regex: "`+re+`"}}}, do: {status: 501}}]`)
	cases := []struct {
		name  string
		value string
		want  bool
	}{
		{"at the limit", strings.Repeat("x", n-1) + "y", true},
		{"one byte past it", strings.Repeat("x", n) + "y", false},
	}
	for _, c := range cases {
		rule, _ := decideOn(t, e, 1, probe{endpoint: "isolar.token", header: map[string]string{"x-long": c.value}})
		if got := rule != ""; got != c.want {
			t.Errorf("%s (%d bytes × %d instructions, limit %d): got matched %v, want %v", c.name, len(c.value), insts, MaxMatchWork, got, c.want)
		}
	}
	// The work adds up over the rules of a request: two matches of half
	// the limit each are made, a third is not.
	half := strings.Repeat("x", n/2-1) + "y"
	req := &request{header: http.Header{"X-Long": {half}}}
	m := Match{In: inHeader, Key: "X-Long", Regex: rx, insts: insts}
	r := &Rule{Match: []Match{m}}
	for i, want := range []bool{true, true, false} {
		if got := r.matches(req); got != want {
			t.Errorf("match %d of half the limit: got %v, want %v", i+1, got, want)
		}
	}
}
