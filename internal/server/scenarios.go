package server

import (
	"encoding/json"
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
		mock.WriteAdminError(c.Writer, &mock.AdminError{Status: http.StatusNotFound, Message: "this server runs without scenarios"})
		return nil
	}
	return s.cfg.Scenarios
}

// listScenarios is GET /_mock/scenarios: the library, the scenario every
// new session starts with, and what each live session has active (the
// default too, before the session's first vendor request).
func (s *Server) listScenarios(c *gin.Context) {
	e := s.scenarios(c)
	if e == nil {
		return
	}
	list := []scenarioInfo{}
	for _, sc := range e.Library() {
		list = append(list, scenarioInfo{sc.Name, sc.Description, sc.Source})
	}
	active := map[string]string{}
	for id, name := range s.cfg.Sessions.Names() {
		if sc := e.ActiveName(id); sc != "" {
			active[name] = sc
		}
	}
	mock.WriteAdminJSON(c.Writer, http.StatusOK, struct {
		Scenarios []scenarioInfo    `json:"scenarios"`
		Default   string            `json:"default"`
		Active    map[string]string `json:"active"`
	}{list, e.Default(), active})
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

// scenarioHint is what a body that is no scenario and no name is told.
const scenarioHint = `send a whole scenario as YAML with Content-Type: application/yaml (or as JSON, with its "rules"), or {"name": "..."} to activate a library scenario`

// putScenario is PUT /_mock/scenario: {"name": ...} activates a library
// scenario; a YAML body (application/yaml), or a JSON one with "rules",
// is a whole scenario for this session only.
func (s *Server) putScenario(c *gin.Context) {
	e := s.scenarios(c)
	if e == nil {
		return
	}
	sess := mock.Req(c).Session
	body := mock.Req(c).Body
	ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	var fields map[string]json.RawMessage
	switch {
	case ct == "application/yaml" || ct == "application/x-yaml" || ct == "text/yaml":
	case json.Unmarshal(body, &fields) != nil:
		// Not a JSON object: most likely YAML sent without its type
		// (curl -d sends a form).
		detail := "the body is no JSON object"
		if ct != "" {
			detail += " (Content-Type: " + ct + ")"
		}
		mock.WriteAdminError(c.Writer, mock.BadRequest("invalid scenario request", detail, scenarioHint))
		return
	case fields["rules"] == nil:
		var req struct {
			Name string `json:"name"`
		}
		if err := mock.DecodeStrict(body, &req); err != nil {
			var ae *mock.AdminError
			if errors.As(err, &ae) {
				mock.WriteAdminError(c.Writer, mock.BadRequest("invalid scenario request", append(ae.Details, scenarioHint)...))
			} else {
				mock.WriteAdminError(c.Writer, err)
			}
			return
		}
		if req.Name == "" {
			mock.WriteAdminError(c.Writer, mock.BadRequest("invalid scenario request", "name: missing or empty", scenarioHint))
			return
		}
		if err := e.ActivateFresh(sess.ID, req.Name); err != nil {
			mock.WriteAdminError(c.Writer, mock.BadRequest(err.Error()))
			return
		}
		mock.WriteAdminJSON(c.Writer, http.StatusOK, s.activeOf(c, e))
		return
	}
	// YAML, or JSON with "rules": JSON is YAML.
	sc, err := scenario.Parse("inline", body, e.Catalogue())
	if err != nil {
		details := []string{err.Error()}
		if problems := (*yamlfile.Errors)(nil); errors.As(err, &problems) {
			details = problems.Problems
		}
		mock.WriteAdminError(c.Writer, mock.BadRequest("invalid scenario", details...))
		return
	}
	sc.Source = "inline"
	if err := e.Activate(sess.ID, sc, false); err != nil {
		// A memory budget (scenario.SessionBudget, TotalBudget): a 413
		// that names it.
		mock.WriteAdminError(c.Writer, err)
		return
	}
	mock.WriteAdminJSON(c.Writer, http.StatusOK, s.activeOf(c, e))
}

func (s *Server) deleteScenario(c *gin.Context) {
	e := s.scenarios(c)
	if e == nil {
		return
	}
	e.Deactivate(mock.Req(c).Session.ID)
	mock.WriteAdminJSON(c.Writer, http.StatusOK, s.activeOf(c, e))
}
