package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Runtime limits (docs/scenarios.md "Runtime limits").
const (
	// SessionBudget bounds the estimated memory (Scenario.Size) of the
	// inline scenario a session has active; library scenarios are shared
	// and cost nothing.
	SessionBudget = 2 << 20
	// TotalBudget bounds the inline scenarios of all sessions together.
	TotalBudget = 256 << 20
	// MatchInputLimit is how much of a header, query or body value a
	// regex match reads: its first 64 KiB.
	MatchInputLimit = 64 << 10
	// MaxMatchWork bounds the work of a request's regex matches together,
	// counted as bytes read times instructions of the compiled regex
	// (what RE2's matching costs at worst); a match past it fails.
	MaxMatchWork = 4 << 20
	// MaxHeldRequests bounds the requests held at once by hang faults and
	// delays; past it, such a rule answers a 503 at once.
	MaxHeldRequests = 1000
)

// Engine keeps the scenario library and, per session, the active scenario
// and the rules' counters. It is safe for concurrent use.
type Engine struct {
	cat *Catalogue

	mu       sync.RWMutex
	library  map[string]*Scenario
	fallback string // active in new sessions (--scenario)
	states   map[uint64]*state

	seed uint64

	// Memory of the sessions' inline scenarios, in Scenario.Size bytes,
	// against sessionBudget and totalBudget.
	used                       atomic.Int64
	sessionBudget, totalBudget int64

	// Requests held by hang faults and delays now, against maxHeld.
	held    atomic.Int64
	maxHeld int64
}

// state is one session's scenario state; its lock makes every decision of
// the session atomic, so budgets are exact under concurrency.
type state struct {
	mu       sync.Mutex
	scenario *Scenario
	library  bool // scenario came from the library: follow its reloads
	counters []counter
	cost     int64      // the inline scenario's Size, charged to Engine.used
	dropped  bool       // Reset took the state out of the engine
	rnd      *rand.Rand // the session's own source, made at its first draw
}

type counter struct{ seen, acted int }

// NewEngine returns an engine whose scenarios name the endpoints and
// failures of cat; seed makes probabilities reproducible.
func NewEngine(cat *Catalogue, seed uint64) *Engine {
	return &Engine{
		cat: cat, library: map[string]*Scenario{}, states: map[uint64]*state{},
		seed: seed, sessionBudget: SessionBudget, totalBudget: TotalBudget, maxHeld: MaxHeldRequests,
	}
}

// Catalogue is what the engine validates scenarios against.
func (e *Engine) Catalogue() *Catalogue { return e.cat }

// Add puts scenarios into the library, replacing those of the same name.
func (e *Engine) Add(scs ...*Scenario) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, sc := range scs {
		e.library[sc.Name] = sc
	}
}

// Lookup returns the library's scenario of that name.
func (e *Engine) Lookup(name string) (*Scenario, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	sc, ok := e.library[name]
	return sc, ok
}

// find is Lookup with the error of an unknown name.
func (e *Engine) find(name string) (*Scenario, error) {
	if sc, ok := e.Lookup(name); ok {
		return sc, nil
	}
	return nil, fmt.Errorf("unknown scenario %q", name)
}

// Library lists the library's scenarios by name.
func (e *Engine) Library() []*Scenario {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*Scenario, 0, len(e.library))
	for _, k := range sortedKeys(e.library) {
		out = append(out, e.library[k])
	}
	return out
}

// SetDefault makes a library scenario active in every session that has
// not chosen another.
func (e *Engine) SetDefault(name string) error {
	if name != "" {
		if _, err := e.find(name); err != nil {
			return err
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fallback = name
	return nil
}

// Default is the name of the scenario active in new sessions, "" for none.
func (e *Engine) Default() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.fallback
}

// ActiveName is the name of the session's active scenario, "" for none.
// Unlike Active it keeps nothing of a session it has not met: that one
// has the default.
func (e *Engine) ActiveName(session uint64) string {
	e.mu.RLock()
	st, fallback := e.states[session], e.fallback
	e.mu.RUnlock()
	if st == nil {
		if _, ok := e.Lookup(fallback); !ok {
			return ""
		}
		return fallback
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.scenario == nil {
		return ""
	}
	return st.scenario.Name
}

func (e *Engine) state(session uint64) *state {
	e.mu.RLock()
	st := e.states[session]
	e.mu.RUnlock()
	if st != nil {
		return st
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if st = e.states[session]; st == nil {
		st = &state{}
		if sc := e.library[e.fallback]; sc != nil {
			st.set(e, sc, true)
		}
		e.states[session] = st
	}
	return st
}

// set makes sc the state's scenario with fresh counters; st.mu is held.
// A library scenario costs nothing: what an inline one cost is given back.
func (st *state) set(e *Engine, sc *Scenario, library bool) {
	st.scenario, st.library = sc, library
	st.counters = nil
	if sc != nil {
		st.counters = make([]counter, len(sc.Rules))
	}
	if library || sc == nil {
		e.used.Add(-st.cost)
		st.cost = 0
	}
}

// locked is the session's state, locked; never one that Reset dropped.
func (e *Engine) locked(session uint64) *state {
	for {
		st := e.state(session)
		st.mu.Lock()
		if !st.dropped {
			return st
		}
		st.mu.Unlock()
	}
}

// Activate makes a scenario active for the session with fresh counters:
// a library scenario by name, or an inline one. An inline scenario is
// refused (a 413 AdminError naming the limit) when its Size is past
// SessionBudget, or would take all sessions' inline scenarios past
// TotalBudget; the session's scenario is then left as it was.
func (e *Engine) Activate(session uint64, sc *Scenario, library bool) error {
	st := e.locked(session)
	defer st.mu.Unlock()
	if !library && sc != nil {
		cost := int64(sc.Size)
		if cost > e.sessionBudget {
			return budgetError(fmt.Sprintf("scenario too large (limit %s of memory per session)", bytesOf(e.sessionBudget)),
				fmt.Sprintf("the scenario needs about %s of memory: send fewer or smaller rules", bytesOf(cost)))
		}
		if !e.charge(cost - st.cost) {
			return budgetError(fmt.Sprintf("inline scenarios of all sessions too large (limit %s of memory in all)", bytesOf(e.totalBudget)),
				fmt.Sprintf("the scenario needs about %s of memory: deactivate or reset other sessions' inline scenarios first, or use library scenarios, which are shared", bytesOf(cost)))
		}
		st.set(e, sc, false)
		st.cost = cost
		return nil
	}
	st.set(e, sc, library)
	return nil
}

// charge adds delta bytes to what the inline scenarios of all sessions
// retain, unless that takes them past the total budget; a delta that is
// no increase always fits.
func (e *Engine) charge(delta int64) bool {
	for {
		old := e.used.Load()
		if delta > 0 && old+delta > e.totalBudget {
			return false
		}
		if e.used.CompareAndSwap(old, old+delta) {
			return true
		}
	}
}

// budgetError is the refusal of an inline scenario past a memory budget.
func budgetError(msg, detail string) error {
	return &mock.AdminError{Status: http.StatusRequestEntityTooLarge, Message: msg, Details: []string{detail}}
}

// bytesOf writes n bytes in KiB or MiB.
func bytesOf(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// ActivateByName activates a library scenario unless it is active already
// (so that a header sent on every request keeps the counters).
func (e *Engine) ActivateByName(session uint64, name string) error {
	sc, err := e.find(name)
	if err != nil {
		return err
	}
	st := e.locked(session)
	defer st.mu.Unlock()
	if st.scenario == nil || st.scenario.Name != name || !st.library {
		st.set(e, sc, true)
	}
	return nil
}

// Active is the session's active scenario, or nil.
func (e *Engine) Active(session uint64) *Scenario {
	st := e.state(session)
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.scenario
}

// Deactivate leaves the session with no scenario.
func (e *Engine) Deactivate(session uint64) { e.Activate(session, nil, false) }

// Reset puts the session back to the default scenario with fresh counters;
// for a session that is gone, it drops what the engine kept of it.
func (e *Engine) Reset(session uint64) {
	e.mu.Lock()
	st := e.states[session]
	delete(e.states, session)
	e.mu.Unlock()
	if st != nil {
		e.drop(st)
	}
}

// ResetAll forgets every session's state.
func (e *Engine) ResetAll() {
	e.mu.Lock()
	old := e.states
	e.states = map[uint64]*state{}
	e.mu.Unlock()
	for _, st := range old {
		e.drop(st)
	}
}

// drop gives back what a state taken out of the engine cost; a request
// that still holds it activates nothing more on it (locked).
func (e *Engine) drop(st *state) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.dropped = true
	e.used.Add(-st.cost)
	st.cost = 0
}

// chance draws from the session's own source, made at its first draw from
// the engine's seed and the session's name: a session's draws are the same
// in every run with that seed, whatever other sessions draw. st.mu is held.
func (st *state) chance(seed uint64, name string) float64 {
	if st.rnd == nil {
		h := fnv.New64a()
		h.Write([]byte(name))
		n := h.Sum64()
		st.rnd = rand.New(rand.NewPCG(seed, n^0x9e3779b97f4a7c15))
	}
	return st.rnd.Float64()
}

// decide picks the action for a request in the session of that id and
// name, if any rule acts on it, and counts it: atomically for the
// session. The rules are matched first with no lock held (a regex costs
// the length of its input); the lock is taken only to count and decide,
// and the matching starts again if the scenario changed meanwhile.
func (e *Engine) decide(session uint64, name, endpoint string, hr *http.Request, body []byte) (string, *Action) {
	var req *request // made only for a scenario: most sessions have none
	var buf [32]bool
	for {
		st, sc := e.current(session)
		if sc == nil {
			return "", nil
		}
		if req == nil {
			req = &request{header: hr.Header, rawQuery: hr.URL.RawQuery, body: body}
		}
		matched := sc.matchAll(endpoint, req, buf[:0])
		if !slices.Contains(matched, true) {
			// No counter to move: the answer is the one of the moment
			// the scenario was read.
			return "", nil
		}
		if rule, a, ok := e.count(st, name, sc, matched); ok {
			return rule, a
		}
	}
}

// matchAll appends to matched, for each rule of sc, whether it matches
// the request to endpoint. It takes no lock.
func (sc *Scenario) matchAll(endpoint string, req *request, matched []bool) []bool {
	for i := range sc.Rules {
		r := &sc.Rules[i]
		matched = append(matched, (r.Endpoints == nil || r.Endpoints[endpoint]) && r.matches(req))
	}
	return matched
}

// current is the session's state and scenario, after following a reload
// of the library's file.
func (e *Engine) current(session uint64) (*state, *Scenario) {
	st := e.state(session)
	st.mu.Lock()
	defer st.mu.Unlock()
	e.follow(st)
	return st, st.scenario
}

// follow replaces a library scenario whose file was reloaded by the new
// version, whose counters restart; st.mu is held.
func (e *Engine) follow(st *state) {
	if st.library && st.scenario != nil {
		if cur, ok := e.Lookup(st.scenario.Name); ok && cur != st.scenario {
			st.set(e, cur, true)
		}
	}
}

// count decides, under the session's lock, which of the rules of sc that
// matched acts; ok is false when sc is no longer the session's scenario
// (activated, reloaded or reset since it was read).
func (e *Engine) count(st *state, name string, sc *Scenario, matched []bool) (rule string, a *Action, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	e.follow(st)
	if st.dropped || st.scenario != sc {
		return "", nil, false
	}
	for i := range sc.Rules {
		if !matched[i] {
			continue
		}
		r := &sc.Rules[i]
		c := &st.counters[i]
		c.seen++
		switch {
		case c.seen <= r.After:
			continue
		case r.Sequence && c.acted >= len(r.Steps):
			continue
		case !r.Sequence && r.Times > 0 && c.acted >= r.Times:
			continue
		case r.Probability > 0 && st.chance(e.seed, name) >= r.Probability:
			continue
		}
		step := &r.Steps[0]
		if r.Sequence {
			step = &r.Steps[c.acted]
		}
		c.acted++
		return sc.Name + "/" + r.Name, step, true
	}
	return "", nil, true
}

// request is what matches look at, each part parsed once and only when a
// rule asks: most requests meet no rule at all.
type request struct {
	header   http.Header
	rawQuery string
	query    url.Values
	body     []byte
	form     url.Values
	json     map[string]any
	parsed   bool
	work     int64 // of the regex matches so far, against MaxMatchWork
}

// afford charges the work of matching a regex of insts instructions
// against n bytes, and tells whether it was within MaxMatchWork. Most
// matches are charged what the largest regex would cost; the regex's own
// size counts only when that bound does not fit.
func (r *request) afford(insts, n int) bool {
	if w := int64(n) * MaxRegexProgram; r.work+w <= MaxMatchWork {
		r.work += w
		return true
	}
	if r.work+int64(n) > MaxMatchWork {
		return false // not even one instruction a byte
	}
	w := int64(n) * int64(insts)
	if r.work+w > MaxMatchWork {
		return false
	}
	r.work += w
	return true
}

func (r *request) bodyValue(path string) (string, bool) {
	if !r.parsed {
		r.parsed = true
		// Numbers stay as written, so that 1.0, 1e3 and integers past
		// float64's precision match the text a rule gives.
		dec := json.NewDecoder(bytes.NewReader(r.body))
		dec.UseNumber()
		if dec.Decode(&r.json) != nil || !atEOF(dec) {
			r.json = nil
			r.form, _ = url.ParseQuery(string(r.body))
		}
	}
	if r.json != nil {
		var cur any = r.json
		for _, k := range strings.Split(path, ".") {
			obj, ok := cur.(map[string]any)
			if !ok {
				return "", false
			}
			if cur, ok = obj[k]; !ok {
				return "", false
			}
		}
		switch v := cur.(type) {
		case string:
			return v, true
		case nil:
			return "null", true
		default:
			b, _ := json.Marshal(v)
			return string(b), true
		}
	}
	if vs, ok := r.form[path]; ok && len(vs) > 0 {
		return vs[0], true
	}
	return "", false
}

// atEOF tells whether nothing but white space follows what dec decoded.
func atEOF(dec *json.Decoder) bool {
	_, err := dec.Token()
	return err == io.EOF
}

func (r *Rule) matches(req *request) bool {
	for _, m := range r.Match {
		var v string
		var ok bool
		switch m.In {
		case inHeader:
			vs := req.header.Values(m.Key)
			if ok = len(vs) > 0; ok {
				v = vs[0]
			}
		case inQuery:
			if req.query == nil {
				req.query, _ = url.ParseQuery(req.rawQuery)
			}
			vs := req.query[m.Key]
			if ok = len(vs) > 0; ok {
				v = vs[0]
			}
		default:
			v, ok = req.bodyValue(m.Key)
		}
		switch {
		case !ok:
			return false
		case m.Any:
		case m.Regex != nil:
			if len(v) > MatchInputLimit {
				v = v[:MatchInputLimit]
			}
			if !req.afford(m.insts, len(v)) || !m.Regex.MatchString(v) {
				return false
			}
		case v != m.Value:
			return false
		}
	}
	return true
}

// ActivateFresh activates a library scenario with fresh counters, even
// when it is active already.
func (e *Engine) ActivateFresh(session uint64, name string) error {
	sc, err := e.find(name)
	if err != nil {
		return err
	}
	return e.Activate(session, sc, true)
}
