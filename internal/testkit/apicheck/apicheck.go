// Package apicheck checks the admin API's answers against its OpenAPI
// document, schema/admin.openapi.json, with kin-openapi's validator
// (OpenAPI 3.1, JSON Schema 2020-12). It is imported by _test files only,
// so that kin-openapi never links into the binary.
//
// Every answer to a request under /_mock (after an optional /s/{session}
// prefix) must have a documented status and match that status's content
// type and schema; a request the document calls invalid must not succeed
// (2xx). Wrong methods and unknown paths under /_mock must get the error
// body. Vendor requests pass through unchecked.
//
// With TOKENMOCK_APICHECK_LOG set to a file name, every checked answer
// appends a line "METHOD PATH STATUS" there (how many a test run checked).
package apicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/tokenmock/tokenmock"
)

// Checker validates admin answers against one OpenAPI document.
type Checker struct {
	doc     *openapi3.T
	router  routers.Router
	errBody *openapi3.SchemaRef
}

var (
	sharedOnce    sync.Once
	sharedChecker *Checker
	sharedErr     error
)

// Shared is the checker of the embedded document, loaded once.
func Shared() (*Checker, error) {
	sharedOnce.Do(func() { sharedChecker, sharedErr = New(tokenmock.AdminOpenAPI) })
	return sharedChecker, sharedErr
}

func mustShared() *Checker {
	c, err := Shared()
	if err != nil {
		panic("apicheck: " + err.Error())
	}
	return c
}

// New loads and validates an OpenAPI document.
func New(doc []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	d, err := loader.LoadFromData(doc)
	if err != nil {
		return nil, fmt.Errorf("load the admin API document: %w", err)
	}
	if !d.IsOpenAPI31OrLater() {
		return nil, fmt.Errorf("the admin API document is OpenAPI %s, want 3.1", d.OpenAPI)
	}
	if err := d.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("the admin API document is invalid: %w", err)
	}
	// Route on paths only: the servers' host does not matter here, and the
	// /s/{session} prefix is stripped before routing.
	d.Servers = openapi3.Servers{{URL: "/"}}
	r, err := gorillamux.NewRouter(d)
	if err != nil {
		return nil, fmt.Errorf("route the admin API document: %w", err)
	}
	eb := d.Components.Schemas["Error"]
	if eb == nil {
		return nil, errors.New("the admin API document has no Error schema")
	}
	return &Checker{doc: d, router: r, errBody: eb}, nil
}

// Doc is the loaded document.
func (c *Checker) Doc() *openapi3.T { return c.doc }

// AdminPath is the path a request's answer is checked under: its path
// without an /s/{session} prefix (and with a leading // made one /,
// before and after the prefix, as the server does), and whether that is
// an admin path.
func AdminPath(p string) (string, bool) {
	if strings.HasPrefix(p, "//") {
		p = "/" + strings.TrimLeft(p, "/")
	}
	if rest, ok := strings.CutPrefix(p, "/s/"); ok {
		_, tail, _ := strings.Cut(rest, "/")
		p = "/" + strings.TrimLeft(tail, "/") // as the server routes /s/x//path
	}
	return p, p == "/_mock" || strings.HasPrefix(p, "/_mock/")
}

// Exchange is one admin request and its answer.
type Exchange struct {
	Method     string
	URL        *url.URL // as sent, /s/{session} prefix included
	Header     http.Header
	Body       []byte
	Status     int
	RespHeader http.Header
	RespBody   []byte
	// Cut: the client left before the whole answer was written (the
	// server's write failed); only its status and headers are checked.
	Cut bool
}

// Check validates an exchange; nil for a vendor request.
func (c *Checker) Check(x Exchange) error {
	path, admin := AdminPath(x.URL.Path)
	if !admin {
		return nil
	}
	defer logChecked(x.Method, path, x.Status)
	u := *x.URL
	u.Path, u.RawPath = path, ""
	req, err := http.NewRequestWithContext(context.Background(), x.Method, u.String(), bytes.NewReader(x.Body))
	if err != nil {
		return fmt.Errorf("rebuild the request: %w", err)
	}
	req.Header = x.Header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	// The server reads every body as JSON whatever its Content-Type, but
	// for the YAML types on PUT /_mock/scenario (the document says so).
	if ct, _, _ := mime.ParseMediaType(req.Header.Get("Content-Type")); len(x.Body) > 0 && !yamlTypes[ct] {
		req.Header.Set("Content-Type", "application/json")
	}
	route, params, err := c.router.FindRoute(req)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return c.checkUnrouted(x, http.StatusMethodNotAllowed)
	case errors.Is(err, routers.ErrPathNotFound):
		return c.checkUnrouted(x, http.StatusNotFound)
	case err != nil:
		return fmt.Errorf("route: %w", err)
	}
	opts := &openapi3filter.Options{
		ExcludeResponseBody:   x.Cut,
		IncludeResponseStatus: true,
		MultiError:            true,
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	reqErr := openapi3filter.ValidateRequest(context.Background(), in)
	if reqErr != nil && x.Status >= 200 && x.Status < 300 {
		return fmt.Errorf("the server accepted (%d) a request the document calls invalid: %v", x.Status, reqErr)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 x.Status,
		Header:                 x.RespHeader,
		Options:                opts,
	}
	out.SetBodyBytes(x.RespBody)
	return openapi3filter.ValidateResponse(context.Background(), out)
}

var yamlTypes = map[string]bool{"application/yaml": true, "application/x-yaml": true, "text/yaml": true}

// unroutedStatuses are the answers a request the document has no
// operation for may get: the server's own checks before routing (session
// name, admin token, body size, session registry), then gin's 404 or 405.
var unroutedStatuses = map[int]bool{
	http.StatusBadRequest:            true,
	http.StatusUnauthorized:          true,
	http.StatusRequestEntityTooLarge: true,
	http.StatusServiceUnavailable:    true,
}

// checkUnrouted checks the answer to a wrong method or unknown path under
// /_mock: the status want (or one of the server's own refusals), with the
// error body.
func (c *Checker) checkUnrouted(x Exchange, want int) error {
	if x.Cut {
		return nil
	}
	if x.Status != want && !unroutedStatuses[x.Status] {
		return fmt.Errorf("status %d for a request the document has no operation for (want %d or a refusal: 400, 401, 413, 503)", x.Status, want)
	}
	if ct := x.RespHeader.Get("Content-Type"); ct != "application/json" {
		return fmt.Errorf("content type %q, want application/json", ct)
	}
	var value any
	if err := json.Unmarshal(x.RespBody, &value); err != nil {
		return fmt.Errorf("the body is no JSON: %w", err)
	}
	return c.errBody.Value.VisitJSON(value, openapi3.EnableJSONSchema2020(), openapi3.MultiErrors())
}

var logMu sync.Mutex

// logChecked appends a line to $TOKENMOCK_APICHECK_LOG, when set.
func logChecked(method, path string, status int) {
	name := os.Getenv("TOKENMOCK_APICHECK_LOG")
	if name == "" {
		return
	}
	logMu.Lock()
	defer logMu.Unlock()
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return
	}
	fmt.Fprintf(f, "%s %s %d\n", method, path, status)
	f.Close()
}

// Report formats a failed check for a test's log.
func Report(x Exchange, err error) string {
	const max = 600
	body := string(x.RespBody)
	if len(body) > max {
		body = body[:max] + "…"
	}
	return fmt.Sprintf("admin answer does not match schema/admin.openapi.json: %s %s → %d\n  body: %s\n  %v", x.Method, x.URL.RequestURI(), x.Status, body, err)
}

// readAll reads a body and gives a fresh reader of it back.
func readAll(rc io.ReadCloser) ([]byte, error) {
	if rc == nil || rc == http.NoBody {
		return nil, nil
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// The server also takes a scenario as text/yaml; kin-openapi decodes
// application/yaml and application/x-yaml only.
func init() { openapi3filter.RegisterBodyDecoder("text/yaml", openapi3filter.YamlBodyDecoder) }
