package server

import (
	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
)

// exchange is what the server learns of a request while gin serves it,
// for the journal and the log: which endpoint answered, and which
// scenario rule acted. Only the server's own middleware writes it.
type exchange struct {
	endpoint, rule string
}

type exchangeKey struct{}

func exchangeOf(c *gin.Context) *exchange {
	if x, ok := c.Request.Context().Value(exchangeKey{}).(*exchange); ok {
		return x
	}
	return &exchange{} // a request that did not come through ServeHTTP
}

// mount routes every row of a vendor's table: the vendor's own middleware,
// its answer to a panic, the endpoint's scenario step, then the handler;
// other methods on the row's paths get the vendor's 405 through the same
// chain.
func (s *Server) mount(e *gin.Engine, r mock.Routes) {
	for _, row := range r.Endpoints {
		var step scenario.Step
		if s.cfg.Scenarios != nil {
			step = s.cfg.Scenarios.Step(row.ID, r.FailuresOf(row.ID))
		}
		chain := func(h gin.HandlerFunc) []gin.HandlerFunc {
			var hs []gin.HandlerFunc
			if r.Use != nil {
				hs = append(hs, r.Use)
			}
			return append(hs, mock.Recover(s.cfg.Log, row.Internal), endpoint(row.ID, step), h)
		}
		for _, path := range row.Paths {
			for _, m := range row.Methods {
				e.Handle(m, path, chain(row.Handle)...)
			}
			for _, m := range row.OtherMethods() {
				e.Handle(m, path, chain(row.Other)...)
			}
		}
	}
}

// endpoint names the request's endpoint for the journal, then runs its
// scenario step: the rule that acts is noted before it acts, so that the
// journal has it whatever happens next.
func endpoint(id string, step scenario.Step) gin.HandlerFunc {
	return func(c *gin.Context) {
		x := exchangeOf(c)
		x.endpoint = id
		if step == nil {
			return
		}
		rule, act := step(c)
		x.rule = rule
		if act != nil {
			act(c)
		}
	}
}
