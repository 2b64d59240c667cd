package server

import (
	"errors"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/scenario"
	"github.com/tokenmock/tokenmock/internal/yamlfile"
)

type scenarioInfo struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	Source      string `json:"source"`
}

func (s *Server) scenarios(c *gin.Context) *scenario.Engine {
	if s.cfg.Scenarios == nil {
		writeAdminError(c.Writer, &mock.AdminError{Status: http.StatusNotFound, Message: "this server runs without scenarios"})
		return nil
	}
	return s.cfg.Scenarios
}

// listScenarios is GET /_mock/scenarios: the library and what each session
// has active.
func (s *Server) listScenarios(c *gin.Context) {
	e := s.scenarios(c)
	if e == nil {
		return
	}
	list := []scenarioInfo{}
	for _, sc := range e.Library() {
		list = append(list, scenarioInfo{sc.Name, sc.Description, sc.Source})
	}
	writeAdminJSON(c.Writer, http.StatusOK, struct {
		Scenarios []scenarioInfo    `json:"scenarios"`
		Active    map[string]string `json:"active"`
	}{list, e.ActiveBySession(s.cfg.Sessions.NameOf)})
}

type activeState struct {
	Session  string        `json:"session"`
	Scenario *scenarioInfo `json:"scenario"`
}

func (s *Server) activeOf(c *gin.Context, e *scenario.Engine) activeState {
	sess := mock.Req(c).Session
	st := activeState{Session: sess.Name}
	if sc := e.Active(sess.ID); sc != nil {
		st.Scenario = &scenarioInfo{sc.Name, sc.Description, sc.Source}
	}
	return st
}

// putScenario is PUT /_mock/scenario: {"name": ...} activates a library
// scenario; a YAML body is a whole scenario for this session only.
func (s *Server) putScenario(c *gin.Context) {
	e := s.scenarios(c)
	if e == nil {
		return
	}
	sess := mock.Req(c).Session
	body := mock.Req(c).Body
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	switch ct {
	case "application/yaml", "application/x-yaml", "text/yaml":
		sc, err := scenario.Parse("inline", body, e.Catalogue())
		if err != nil {
			details := []string{err.Error()}
			if problems := (*yamlfile.Errors)(nil); errors.As(err, &problems) {
				details = problems.Problems
			}
			writeAdminError(c.Writer, mock.BadRequest("invalid scenario", details...))
			return
		}
		sc.Source = "inline"
		e.Activate(sess.ID, sc, false)
	default:
		var req struct {
			Name string `json:"name"`
		}
		if err := mock.DecodeStrict(body, &req); err != nil {
			writeAdminError(c.Writer, err)
			return
		}
		if err := e.ActivateFresh(sess.ID, req.Name); err != nil {
			writeAdminError(c.Writer, mock.BadRequest(err.Error()))
			return
		}
	}
	writeAdminJSON(c.Writer, http.StatusOK, s.activeOf(c, e))
}

func (s *Server) deleteScenario(c *gin.Context) {
	e := s.scenarios(c)
	if e == nil {
		return
	}
	e.Deactivate(mock.Req(c).Session.ID)
	writeAdminJSON(c.Writer, http.StatusOK, s.activeOf(c, e))
}
