package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// Engine keeps the scenario library and, per session, the active scenario
// and the rules' counters. It is safe for concurrent use.
type Engine struct {
	cat *Catalogue

	mu       sync.RWMutex
	library  map[string]*Scenario
	fallback string // active in new sessions (--scenario)
	states   map[uint64]*state

	rmu sync.Mutex
	rnd *rand.Rand
}

// state is one session's scenario state; its lock makes every decision of
// the session atomic, so budgets are exact under concurrency.
type state struct {
	mu       sync.Mutex
	scenario *Scenario
	library  bool // scenario came from the library: follow its reloads
	counters []counter
}

type counter struct{ seen, acted int }

// NewEngine returns an engine whose scenarios name the endpoints and
// failures of cat; seed makes probabilities reproducible.
func NewEngine(cat *Catalogue, seed uint64) *Engine {
	return &Engine{
		cat: cat, library: map[string]*Scenario{}, states: map[uint64]*state{},
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
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
	if _, ok := e.Lookup(name); !ok && name != "" {
		return fmt.Errorf("unknown scenario %q", name)
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
			st.set(sc, true)
		}
		e.states[session] = st
	}
	return st
}

func (st *state) set(sc *Scenario, library bool) {
	st.scenario, st.library = sc, library
	st.counters = nil
	if sc != nil {
		st.counters = make([]counter, len(sc.Rules))
	}
}

// Activate makes a scenario active for the session with fresh counters:
// a library scenario by name, or an inline one.
func (e *Engine) Activate(session uint64, sc *Scenario, library bool) {
	st := e.state(session)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.set(sc, library)
}

// ActivateByName activates a library scenario unless it is active already
// (so that a header sent on every request keeps the counters).
func (e *Engine) ActivateByName(session uint64, name string) error {
	sc, ok := e.Lookup(name)
	if !ok {
		return fmt.Errorf("unknown scenario %q", name)
	}
	st := e.state(session)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.scenario == nil || st.scenario.Name != name || !st.library {
		st.set(sc, true)
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
	delete(e.states, session)
	e.mu.Unlock()
}

// ResetAll forgets every session's state.
func (e *Engine) ResetAll() {
	e.mu.Lock()
	e.states = map[uint64]*state{}
	e.mu.Unlock()
}

func (e *Engine) chance() float64 {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	return e.rnd.Float64()
}

// decide picks the action for a request, if any rule acts on it, and
// counts it: atomically for the session.
func (e *Engine) decide(session uint64, endpoint string, hr *http.Request, body []byte) (string, *Action) {
	st := e.state(session)
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.library && st.scenario != nil {
		// A reloaded file replaces the version in use; its counters restart.
		if cur, ok := e.Lookup(st.scenario.Name); ok && cur != st.scenario {
			st.set(cur, true)
		}
	}
	sc := st.scenario
	if sc == nil {
		return "", nil
	}
	req := &request{header: hr.Header, rawQuery: hr.URL.RawQuery, body: body}
	for i := range sc.Rules {
		r := &sc.Rules[i]
		if r.Endpoints != nil && !r.Endpoints[endpoint] || !r.matches(req) {
			continue
		}
		c := &st.counters[i]
		c.seen++
		switch {
		case c.seen <= r.After:
			continue
		case r.Sequence && c.acted >= len(r.Steps):
			continue
		case !r.Sequence && r.Times > 0 && c.acted >= r.Times:
			continue
		case r.Probability > 0 && e.chance() >= r.Probability:
			continue
		}
		step := &r.Steps[0]
		if r.Sequence {
			step = &r.Steps[c.acted]
		}
		c.acted++
		return sc.Name + "/" + r.Name, step
	}
	return "", nil
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
			if !m.Regex.MatchString(v) {
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
	sc, ok := e.Lookup(name)
	if !ok {
		return fmt.Errorf("unknown scenario %q", name)
	}
	e.Activate(session, sc, true)
	return nil
}
