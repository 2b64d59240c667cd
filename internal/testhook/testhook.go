// Package testhook lets the module's own tests check the mocks that
// mocktest starts or connects to: they set these variables (see
// apicheck.HookMocktest), mocktest calls them. Nothing sets them outside
// tests, so mocktest's users never link the checker.
package testhook

import (
	"net/http"
	"testing"
)

var (
	// Handler wraps the handler of a mock mocktest starts; t is nil for
	// mocktest.New.
	Handler func(t testing.TB, h http.Handler) http.Handler
	// Transport wraps the transport of the client that drives a running
	// mock (mocktest.Connect); t is nil when Connect has none.
	Transport func(t testing.TB, rt http.RoundTripper) http.RoundTripper
)
