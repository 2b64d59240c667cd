package conformance

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/app"
)

// Every vendor's table passes its own check, declares ids no other vendor
// does, and describes itself the same way with and without a service.
func TestTablesAreWellFormed(t *testing.T) {
	m := startServer(t)
	specs := app.Specs()
	if len(specs) != len(m.routes) {
		t.Fatalf("got %d specs and %d tables, want one spec per vendor", len(specs), len(m.routes))
	}
	owner := map[string]string{}
	for i, r := range m.routes {
		if err := r.Check(); err != nil {
			t.Errorf("%v", err)
		}
		bound, static := r.Spec(), specs[i]
		if bound.Vendor != static.Vendor || len(bound.Endpoints) != len(static.Endpoints) {
			t.Fatalf("%s: got spec %+v without a service, want %+v", r.Vendor, static, bound)
		}
		for j, e := range bound.Endpoints {
			s := static.Endpoints[j]
			if e.ID != s.ID || e.Tokens != s.Tokens || e.JSON != s.JSON || !slices.Equal(e.Failures, s.Failures) {
				t.Errorf("%s: got %+v without a service, want %+v", r.Vendor, s, e)
			}
			if other, dup := owner[e.ID]; dup {
				t.Errorf("endpoint %s: declared by %s and %s", e.ID, other, r.Vendor)
			}
			owner[e.ID] = r.Vendor
		}
	}
}

// Every endpoint id of every table has its case in endpoints_test.go, and
// no case names an id that no table has.
func TestEveryEndpointHasACase(t *testing.T) {
	var ids []string
	for _, s := range app.Specs() {
		for _, e := range s.Endpoints {
			ids = append(ids, e.ID)
		}
	}
	cases := map[string]bool{}
	for _, c := range endpointCases() {
		if cases[c.id] {
			t.Errorf("two cases for %s", c.id)
		}
		cases[c.id] = true
		if !slices.Contains(ids, c.id) {
			t.Errorf("case %s: no table declares it", c.id)
		}
		if c.ttl == nil && c.expire == nil {
			t.Errorf("case %s: neither ttl nor expire: nothing shows that it follows the session's clock", c.id)
		}
	}
	for _, id := range ids {
		if !cases[id] {
			t.Errorf("endpoint %s: no case in endpoints_test.go; add one", id)
		}
	}
}

// A method a row does not serve, on one of its paths, answers 405: the
// vendor's own when the row has one (journalled under the endpoint),
// else the server's. Nothing answers 5xx.
func TestWrongMethod(t *testing.T) {
	m := startServer(t)
	served := map[string]bool{} // "METHOD path" served by some row
	for _, r := range m.rows() {
		for _, p := range r.Paths {
			for _, meth := range r.Methods {
				served[meth+" "+p] = true
			}
		}
	}
	tried := 0
	for _, r := range m.rows() {
		other := r.OtherMethods()
		for _, p := range r.Paths {
			for _, meth := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions} {
				if served[meth+" "+p] {
					continue
				}
				tried++
				s := m.session(t) // its journal holds this request only
				a := s.must(s.request(meth, p, nil, ""))
				if a.status != http.StatusMethodNotAllowed {
					t.Errorf("%s %s (%s): got %d %s, want 405", meth, p, r.ID, a.status, a.body)
				}
				want := ""
				if slices.Contains(other, meth) {
					want = r.ID // the vendor's 405
				}
				s.lastRequest(want)
			}
		}
	}
	if tried == 0 {
		t.Fatal("no row has a method it does not serve: nothing was tried")
	}
}

// A malformed body on any endpoint, with the headers of a valid request
// or none, gets the vendor's own answer (never a 5xx, never a panic) and
// is journalled under the endpoint.
func TestMalformedBody(t *testing.T) {
	m := startServer(t)
	bodies := map[string]struct{ contentType, body string }{
		"cut JSON":         {"application/json", `{"appkey":"B968`},
		"JSON array":       {"application/json", `[1,2,3]`},
		"JSON of nulls":    {"application/json", `{"appkey":null,"code":null,"grant_type":null,"username":null}`},
		"deep JSON":        {"application/json", strings.Repeat("[", 20000) + strings.Repeat("]", 20000)},
		"binary as form":   {"application/x-www-form-urlencoded", "\xff\xfe\x00\x01=\x80&%zz"},
		"form with no end": {"application/x-www-form-urlencoded", "a=%"},
		"text":             {"text/plain", "hello"},
	}
	// check sends req in a session of its own, so that the journal entry
	// found is this request's.
	check := func(t *testing.T, id string, req *http.Request) {
		t.Helper()
		s := m.session(t)
		req.Header.Set("X-Mock-Session", s.name)
		a := s.must(req)
		if a.status >= 500 {
			t.Errorf("got %d %s, want the vendor's answer to a bad request", a.status, a.body)
		}
		if e := s.lastRequest(id); e.Status != a.status {
			t.Errorf("journal: got status %d, want %d", e.Status, a.status)
		}
	}
	for _, c := range endpointCases() {
		t.Run(c.id, func(t *testing.T) {
			s := m.session(t)
			valid := c.prepare(t, s)
			for name, b := range bodies {
				t.Run(name, func(t *testing.T) {
					req := valid()
					bad := s.request(req.Method, req.URL.RequestURI(), nil, b.body)
					for k, v := range req.Header {
						bad.Header[k] = v
					}
					bad.Header.Set("Content-Type", b.contentType)
					check(t, c.id, bad)
				})
			}
		})
	}
	// Every row that takes a body, with nothing but the body.
	s := m.session(t)
	for _, r := range m.rows() {
		for _, meth := range r.Methods {
			if meth != http.MethodPost {
				continue
			}
			for _, p := range r.Paths {
				for name, b := range bodies {
					t.Run(r.ID+" "+p+" bare "+name, func(t *testing.T) {
						check(t, r.ID, s.request(meth, p, map[string]string{"Content-Type": b.contentType}, b.body))
					})
				}
			}
		}
	}
}
