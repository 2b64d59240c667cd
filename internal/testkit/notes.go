package testkit

import (
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// Notes keeps the failure note (mock.Note) of the last request a vendor
// answered: what the server would log of it. A vendor's test wraps its
// routes with Keep.
type Notes struct {
	mu   sync.Mutex
	last mock.Note
}

// Last is the note of the last request answered.
func (n *Notes) Last() mock.Note {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.last
}

// Keep returns r with every handler (endpoints, other methods, failure
// renderers, not-found) keeping its request's note in n once it returns.
func (n *Notes) Keep(r mock.Routes) mock.Routes {
	keep := func(h gin.HandlerFunc) gin.HandlerFunc {
		if h == nil {
			return nil
		}
		return func(c *gin.Context) {
			h(c)
			n.mu.Lock()
			n.last = mock.NoteOf(c)
			n.mu.Unlock()
		}
	}
	eps := make([]mock.Route, len(r.Endpoints))
	for i, e := range r.Endpoints {
		e.Handle, e.Other = keep(e.Handle), keep(e.Other)
		eps[i] = e
	}
	r.Endpoints = eps
	fs := make([]mock.BoundFailure, len(r.Failures))
	for i, f := range r.Failures {
		f.Render = keep(f.Render)
		fs[i] = f
	}
	r.Failures = fs
	r.NotFound = keep(r.NotFound)
	return r
}
