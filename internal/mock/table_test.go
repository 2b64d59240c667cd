package mock

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// svc is a vendor service for table tests: it answers with its own name.
type svc struct{ name string }

func (s *svc) hello(c *gin.Context) { c.String(http.StatusOK, "hello from "+s.name) }
func (s *svc) fail(c *gin.Context)  { c.String(http.StatusTeapot, "failed by "+s.name) }

var testTable = Table[*svc]{
	Vendor:   "demo",
	Internal: (*svc).fail,
	Endpoints: []Endpoint[*svc]{
		{ID: "demo.page", Methods: []string{http.MethodGet}, Paths: []string{"/page"}, Handle: (*svc).hello},
		{ID: "demo.page", Methods: []string{http.MethodPost}, Paths: []string{"/page/form"}, Handle: (*svc).hello, Tokens: true},
		{ID: "demo.token", Methods: []string{http.MethodPost}, Paths: []string{"/token"}, Handle: (*svc).hello,
			Other: AllowPost[*svc], JSON: true},
	},
	Failures: []Failure[*svc]{
		{Name: "broken", Endpoints: []string{"demo.token", "demo.page"}, Render: (*svc).fail},
		{Name: "slow", Endpoints: []string{"demo.token"}, Render: (*svc).fail},
	},
	Prefix:   "/demo/",
	NotFound: (*svc).fail,
}

func TestSpecMergesRowsOfOneEndpoint(t *testing.T) {
	got := testTable.Spec()
	want := Spec{Vendor: "demo", Endpoints: []EndpointSpec{
		{ID: "demo.page", Tokens: true, Failures: []string{"broken"}},
		{ID: "demo.token", JSON: true, Failures: []string{"broken", "slow"}},
	}}
	if got.Vendor != want.Vendor || len(got.Endpoints) != len(want.Endpoints) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i, e := range got.Endpoints {
		w := want.Endpoints[i]
		if e.ID != w.ID || e.Tokens != w.Tokens || e.JSON != w.JSON || !slices.Equal(e.Failures, w.Failures) {
			t.Errorf("endpoint %d: got %+v, want %+v", i, e, w)
		}
	}
}

func TestBindGivesEveryFunctionItsService(t *testing.T) {
	r := testTable.Bind(&svc{name: "one"})
	if err := r.Check(); err != nil {
		t.Fatalf("Check: got %v, want nil", err)
	}
	serve := func(h gin.HandlerFunc) string {
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
		h(c)
		return w.Body.String()
	}
	for name, h := range map[string]gin.HandlerFunc{
		"handle": r.Endpoints[0].Handle, "internal": r.Endpoints[2].Internal, "not found": r.NotFound,
		"failure": r.FailuresOf("demo.token")["slow"],
	} {
		if got := serve(h); !strings.HasSuffix(got, " one") {
			t.Errorf("%s: got %q, want an answer of service one", name, got)
		}
	}
	if f, ok := r.Failure("broken"); !ok || f.Name != "broken" {
		t.Errorf("Failure(broken): got %+v %v", f, ok)
	}
	if _, ok := r.Failure("nope"); ok {
		t.Error("Failure(nope): got ok, want none")
	}
	if got := r.FailuresOf("demo.page"); len(got) != 1 || got["broken"] == nil {
		t.Errorf("FailuresOf(demo.page): got %v, want broken only", got)
	}
}

func TestOtherMethods(t *testing.T) {
	r := testTable.Bind(&svc{})
	if got := r.Endpoints[0].OtherMethods(); got != nil {
		t.Errorf("without Other: got %v, want none", got)
	}
	want := []string{"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}
	if got := r.Endpoints[2].OtherMethods(); !slices.Equal(got, want) {
		t.Errorf("POST with Other: got %v, want %v", got, want)
	}
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	r.Endpoints[2].Other(c)
	if c.Writer.Status() != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" || w.Body.Len() != 0 {
		t.Errorf("AllowPost: got %d Allow %q body %q, want 405 Allow POST and no body", c.Writer.Status(), w.Header().Get("Allow"), w.Body)
	}
	if !slices.Contains(AnyMethod(), http.MethodTrace) || len(AnyMethod()) != 9 {
		t.Errorf("AnyMethod: got %v, want gin's nine", AnyMethod())
	}
}

func TestCheckFindsEveryMistake(t *testing.T) {
	h := func(*svc, *gin.Context) {}
	bad := Table[*svc]{
		Vendor: "demo",
		Endpoints: []Endpoint[*svc]{
			{ID: "other.x", Methods: []string{"GET"}, Paths: []string{"/a"}, Handle: h, Internal: h},
			{ID: "demo.", Methods: []string{"GET"}, Paths: []string{"b"}, Handle: h, Internal: h},
			{ID: "demo.y", Paths: []string{"/c"}},
			{ID: "demo.z", Methods: []string{"POST"}, Paths: []string{"/a"}, Handle: h, Internal: h, Other: h},
		},
		Failures: []Failure[*svc]{
			{Name: "f", Endpoints: []string{"demo.nope"}, Render: h},
			{Name: "f", Endpoints: []string{"demo.z"}},
		},
		Prefix: "/demo/",
	}
	err := bad.Bind(&svc{}).Check()
	if err == nil {
		t.Fatal("got nil, want every mistake")
	}
	for _, want := range []string{
		`endpoint 0 (other.x): id must be "demo." followed by a name`,
		`endpoint 1 (demo.): id must be "demo." followed by a name`,
		`endpoint 1 (demo.): path "b" must start with /`,
		`endpoint 2 (demo.y): needs Handle and Internal`,
		`endpoint 2 (demo.y): needs methods and paths`,
		`endpoint 3 (demo.z): GET /a is served by other.x too`,
		`failure "f": unknown endpoint "demo.nope"`,
		`failure "f" is named twice`,
		`failure "f" needs Render and endpoints`,
		`Prefix and NotFound go together`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %v, want a line %q", err, want)
		}
	}
	if err := (Routes{}).Check(); err == nil || !strings.Contains(err.Error(), "no vendor name") {
		t.Errorf("empty table: got %v, want no vendor name", err)
	}
}
