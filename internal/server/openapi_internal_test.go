package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock"
	"github.com/tokenmock/tokenmock/internal/fixture"
	"github.com/tokenmock/tokenmock/internal/isolar"
	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/oauth"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/session"
	"github.com/tokenmock/tokenmock/internal/solarman"
	"github.com/tokenmock/tokenmock/internal/testkit/apicheck"
)

// everyVendor is a server with every vendor (SOLARMAN mounts GET
// /_mock/jwks), scenarios and an admin token.
func everyVendor(t *testing.T) *Server {
	t.Helper()
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	deps := mock.Deps{}.WithDefaults()
	sm, err := solarman.New(fx.Solarman, deps)
	if err != nil {
		t.Fatal(err)
	}
	return New(Config{
		Vendors:    []mock.Vendor{isolar.New(fx.Isolar, deps), oauth.New(fx.OAuth, deps), sm},
		Sessions:   session.NewRegistry(nil),
		Scenarios:  scenario.NewEngine(scenario.NewCatalogue(isolar.Spec()), 1),
		AdminToken: guardToken,
	})
}

// GET /_mock/openapi.json serves schema/admin.openapi.json as it is in
// the repository, with no admin token even when the server has one.
func TestOpenAPIServed(t *testing.T) {
	want, err := os.ReadFile("../../schema/admin.openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	s := everyVendor(t)
	for _, target := range []string{"/_mock/openapi.json", "/s/px/_mock/openapi.json"} {
		w := httptest.NewRecorder()
		apicheck.Wrap(t, s).ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("%s: status %d %s, want 200 without a token", target, w.Code, w.Body)
		}
		if ct := w.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", target, ct)
		}
		if !bytes.Equal(w.Body.Bytes(), want) {
			t.Errorf("%s: the served document differs from schema/admin.openapi.json", target)
		}
	}
	if !bytes.Equal(tokenmock.AdminOpenAPI, want) {
		t.Error("tokenmock.AdminOpenAPI differs from schema/admin.openapi.json")
	}
}

// The document describes exactly the admin routes the server mounts: a
// new route without a description (or a described route that is gone)
// fails here.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	c, err := apicheck.Shared()
	if err != nil {
		t.Fatal(err)
	}
	var mounted, described []string
	for _, r := range everyVendor(t).engine.Routes() {
		if strings.HasPrefix(r.Path, "/_mock/") {
			mounted = append(mounted, r.Method+" "+r.Path)
		}
	}
	for path, item := range c.Doc().Paths.Map() {
		for method := range item.Operations() {
			described = append(described, method+" "+path)
		}
	}
	slices.Sort(mounted)
	slices.Sort(described)
	for _, m := range mounted {
		if !slices.Contains(described, m) {
			t.Errorf("%s is mounted but not described in schema/admin.openapi.json", m)
		}
	}
	for _, d := range described {
		if !slices.Contains(mounted, d) {
			t.Errorf("%s is described in schema/admin.openapi.json but not mounted", d)
		}
	}
	if len(mounted) < 14 {
		t.Errorf("only %d admin routes mounted: %v", len(mounted), mounted)
	}
}

// Every described operation that needs the token says so, and exactly the
// open paths need none.
func TestOpenAPISecurity(t *testing.T) {
	c, err := apicheck.Shared()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range c.Doc().Paths.Map() {
		for method, op := range item.Operations() {
			open := op.Security != nil && len(*op.Security) == 0
			if open != openAdminPaths[path] {
				t.Errorf("%s %s: security [] is %v in the document, open is %v in the server", method, path, open, openAdminPaths[path])
			}
		}
	}
}
