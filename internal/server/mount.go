package server

import (
	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
)

// exchange is what the server learns of a request while gin serves it,
// for the journal and the log: which endpoint answered, which scenario
// rule acted and whether it answered instead of the vendor, and the
// vendor's note of the failure it answered. Only the server's own
// middleware writes it.
type exchange struct {
	endpoint, rule string
	injected       bool // the rule answered (or cut the connection) instead of the vendor
	note           mock.Note
}

type exchangeKey struct{}

func exchangeOf(c *gin.Context) *exchange {
	if x, ok := c.Request.Context().Value(exchangeKey{}).(*exchange); ok {
		return x
	}
	return &exchange{} // a request that did not come through ServeHTTP
}

// keepNote copies the vendor's failure note into the exchange. gin pools
// its contexts and empties them once the engine returns, so the note is
// read here, while the chain still runs: deferred by the first handler of
// the chain, it runs once, after everything else, also when a panic
// (a fault's http.ErrAbortHandler) passes through.
func keepNote(c *gin.Context, x *exchange) { x.note = mock.NoteOf(c) }

// mount routes every row of a vendor's table: the server's note keeper,
// the vendor's own middleware, its answer to a panic, the endpoint's
// scenario step, then the handler; other methods on the row's paths get
// the vendor's 405 through the same chain, without the scenario step.
func (s *Server) mount(e *gin.Engine, r mock.Routes) {
	for _, row := range r.Endpoints {
		var step scenario.Step
		if s.cfg.Scenarios != nil {
			step = s.cfg.Scenarios.Step(row.ID, r.FailuresOf(row.ID))
		}
		chain := func(step scenario.Step, h gin.HandlerFunc) []gin.HandlerFunc {
			hs := []gin.HandlerFunc{track(row.ID)}
			if r.Use != nil {
				hs = append(hs, r.Use)
			}
			return append(hs, mock.Recover(s.cfg.Log, row.Internal), runStep(step), h)
		}
		for _, path := range row.Paths {
			for _, m := range row.Methods {
				e.Handle(m, path, chain(step, row.Handle)...)
			}
			// A wrong method gets the vendor's 405 and never meets the
			// scenario: it spends no rule's budget.
			for _, m := range row.OtherMethods() {
				e.Handle(m, path, chain(nil, row.Other)...)
			}
		}
	}
}

// track names the request's endpoint for the journal before anything else
// runs, and keeps the failure note once everything has run.
func track(id string) gin.HandlerFunc {
	return func(c *gin.Context) {
		x := exchangeOf(c)
		x.endpoint = id
		defer keepNote(c, x)
		c.Next()
	}
}

// runStep runs the endpoint's scenario step: the rule that acts is noted
// before it acts, so that the journal has it whatever happens next.
func runStep(step scenario.Step) gin.HandlerFunc {
	return func(c *gin.Context) {
		if step == nil {
			return
		}
		rule, act := step(c)
		if act == nil {
			return
		}
		x := exchangeOf(c)
		x.rule = rule
		// A panic that leaves act is a fault's http.ErrAbortHandler:
		// ServeHTTP counts that as injected too.
		act(c)
		// An action that answers, cuts or gives up aborts the chain; one
		// that changes the real answer runs the vendor inside act.
		x.injected = c.IsAborted()
	}
}
