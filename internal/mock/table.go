package mock

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
)

// Table is what a vendor declares about itself as data: its endpoints, its
// failure catalogue, and how it answers what has no endpoint. S is the
// vendor's service type; the functions take it as their first argument
// (method expressions such as (*Service).token), so the table exists
// without fixtures or a service, and Bind gives it one.
type Table[S any] struct {
	Vendor string
	// Use runs before every endpoint of the vendor (a gateway's headers).
	Use func(S, *gin.Context)
	// Internal answers a panic in a handler the way the vendor's own
	// server answers an unexpected error.
	Internal  func(S, *gin.Context)
	Endpoints []Endpoint[S]
	Failures  []Failure[S]
	// Prefix and NotFound: a path under Prefix that no endpoint serves is
	// answered by NotFound (the vendor's 404 or its gateway's own code).
	Prefix   string
	NotFound func(S, *gin.Context)
}

// Endpoint is one row of a vendor's table. Rows may share an ID when one
// endpoint spans several pages or forms (an authorization web flow).
type Endpoint[S any] struct {
	ID      string   // what scenarios, the journal and the log call it
	Methods []string // the methods Handle serves
	Paths   []string
	Handle  func(S, *gin.Context)
	// Other, when set, answers the other methods an API client may send
	// (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS) on Paths: the vendor's
	// 405. Without it the server's 405 answers them.
	Other func(S, *gin.Context)
	// Internal, when set, replaces the table's Internal for this row.
	Internal func(S, *gin.Context)
	Tokens   bool // issues tokens: a scenario's token_ttl means something here
	JSON     bool // answers JSON: a scenario's set means something here
}

// Failure is one row of a vendor's failure catalogue: a scenario `error`
// makes any endpoint of Endpoints answer it. Render works from the
// request alone and changes no state.
type Failure[S any] struct {
	Name      string
	Endpoints []string
	Render    func(S, *gin.Context)
}

// standardMethods are the methods an endpoint's Other answers: the ones
// HTTP clients send to an API.
var standardMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions,
}

// AnyMethod lists every method gin routes (its Any), for a handler that
// answers wrong methods itself.
func AnyMethod() []string {
	return []string{
		http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodHead,
		http.MethodOptions, http.MethodDelete, http.MethodConnect, http.MethodTrace,
	}
}

// AllowPost is the 405 of a gateway that serves only POST: Allow: POST and
// no body (iSolarCloud's and SOLARMAN's).
func AllowPost[S any](_ S, c *gin.Context) {
	c.Header("Allow", http.MethodPost)
	c.Status(http.StatusMethodNotAllowed)
}

// Routes is a table bound to its service: what the server mounts.
type Routes struct {
	Vendor    string
	Use       gin.HandlerFunc // nil: none
	Endpoints []Route
	Failures  []BoundFailure
	Prefix    string
	NotFound  gin.HandlerFunc
}

// Route is an Endpoint row bound to its service.
type Route struct {
	ID       string
	Methods  []string
	Paths    []string
	Handle   gin.HandlerFunc
	Other    gin.HandlerFunc // nil: none
	Internal gin.HandlerFunc // the vendor's answer to a panic
	Tokens   bool
	JSON     bool
}

// OtherMethods are the methods r.Other answers (none without Other).
func (r Route) OtherMethods() []string {
	if r.Other == nil {
		return nil
	}
	var out []string
	for _, m := range standardMethods {
		if !slices.Contains(r.Methods, m) {
			out = append(out, m)
		}
	}
	return out
}

// BoundFailure is a Failure row bound to its service.
type BoundFailure struct {
	Name      string
	Endpoints []string
	Render    gin.HandlerFunc
}

// Bind gives the table's functions the service s.
func (t Table[S]) Bind(s S) Routes {
	bind := func(f func(S, *gin.Context)) gin.HandlerFunc {
		if f == nil {
			return nil
		}
		return func(c *gin.Context) { f(s, c) }
	}
	r := Routes{Vendor: t.Vendor, Use: bind(t.Use), Prefix: t.Prefix, NotFound: bind(t.NotFound)}
	for _, e := range t.Endpoints {
		internal := t.Internal
		if e.Internal != nil {
			internal = e.Internal
		}
		r.Endpoints = append(r.Endpoints, Route{
			ID: e.ID, Methods: e.Methods, Paths: e.Paths, Handle: bind(e.Handle), Other: bind(e.Other),
			Internal: bind(internal), Tokens: e.Tokens, JSON: e.JSON,
		})
	}
	for _, f := range t.Failures {
		r.Failures = append(r.Failures, BoundFailure{Name: f.Name, Endpoints: f.Endpoints, Render: bind(f.Render)})
	}
	return r
}

// Spec is the table's data without its functions: what validating a
// scenario needs. No function of the table runs.
func (t Table[S]) Spec() Spec {
	var none S
	return t.Bind(none).Spec()
}

// Spec describes a vendor's endpoints for the scenario engine.
type Spec struct {
	Vendor    string
	Endpoints []EndpointSpec // one per endpoint id, in table order
}

// EndpointSpec is what a scenario rule may do to an endpoint.
type EndpointSpec struct {
	ID       string
	Tokens   bool     // token_ttl applies
	JSON     bool     // set applies
	Failures []string // the catalogue names it can answer, in catalogue order
}

// Spec describes the bound table; rows sharing an id make one endpoint.
func (r Routes) Spec() Spec {
	s := Spec{Vendor: r.Vendor}
	index := map[string]int{}
	for _, e := range r.Endpoints {
		i, ok := index[e.ID]
		if !ok {
			i = len(s.Endpoints)
			index[e.ID] = i
			s.Endpoints = append(s.Endpoints, EndpointSpec{ID: e.ID})
		}
		s.Endpoints[i].Tokens = s.Endpoints[i].Tokens || e.Tokens
		s.Endpoints[i].JSON = s.Endpoints[i].JSON || e.JSON
	}
	for _, f := range r.Failures {
		for _, id := range f.Endpoints {
			if i, ok := index[id]; ok {
				s.Endpoints[i].Failures = append(s.Endpoints[i].Failures, f.Name)
			}
		}
	}
	return s
}

// FailuresOf returns the renderers of the failures endpoint id can answer,
// by name.
func (r Routes) FailuresOf(id string) map[string]gin.HandlerFunc {
	out := map[string]gin.HandlerFunc{}
	for _, f := range r.Failures {
		if slices.Contains(f.Endpoints, id) {
			out[f.Name] = f.Render
		}
	}
	return out
}

// Check reports every mistake of a table at once: ids not of the vendor,
// rows without a handler, paths or methods served twice, failures of
// unknown endpoints or named twice. The server refuses a table that fails
// it, and every vendor's table is tested with it.
func (r Routes) Check() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if r.Vendor == "" {
		add("table has no vendor name")
	}
	ids := map[string]bool{}
	served := map[string]string{}
	for i, e := range r.Endpoints {
		row := fmt.Sprintf("endpoint %d (%s)", i, e.ID)
		if !strings.HasPrefix(e.ID, r.Vendor+".") || len(e.ID) == len(r.Vendor)+1 {
			add("%s: id must be %q followed by a name", row, r.Vendor+".")
		}
		if e.Handle == nil || e.Internal == nil {
			add("%s: needs Handle and Internal", row)
		}
		if len(e.Methods) == 0 || len(e.Paths) == 0 {
			add("%s: needs methods and paths", row)
		}
		ids[e.ID] = true
		methods := append(slices.Clone(e.Methods), e.OtherMethods()...)
		for _, p := range e.Paths {
			if !strings.HasPrefix(p, "/") {
				add("%s: path %q must start with /", row, p)
			}
			for _, m := range methods {
				if other, dup := served[m+" "+p]; dup {
					add("%s: %s %s is served by %s too", row, m, p, other)
				}
				served[m+" "+p] = e.ID
			}
		}
	}
	names := map[string]bool{}
	for _, f := range r.Failures {
		if names[f.Name] {
			add("failure %q is named twice", f.Name)
		}
		names[f.Name] = true
		if f.Render == nil || len(f.Endpoints) == 0 {
			add("failure %q needs Render and endpoints", f.Name)
		}
		for _, id := range f.Endpoints {
			if !ids[id] {
				add("failure %q: unknown endpoint %q", f.Name, id)
			}
		}
	}
	if (r.Prefix == "") != (r.NotFound == nil) {
		add("Prefix and NotFound go together")
	}
	if len(problems) > 0 {
		return fmt.Errorf("vendor table %q:\n%s", r.Vendor, strings.Join(problems, "\n"))
	}
	return nil
}

// Failure returns the failure named name.
func (r Routes) Failure(name string) (BoundFailure, bool) {
	for _, f := range r.Failures {
		if f.Name == name {
			return f, true
		}
	}
	return BoundFailure{}, false
}
