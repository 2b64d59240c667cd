package solarman_test

import (
	"strings"
	"testing"

	"github.com/tokenmock/tokenmock/internal/mock"
	"github.com/tokenmock/tokenmock/internal/solarman"
	"github.com/tokenmock/tokenmock/internal/testkit"
)

// noting is the service with every handler's failure note kept, so that
// a test can read what the server would log of the last vendor request.
type noting struct {
	*solarman.Service
	notes testkit.Notes
}

// Routes is the service's routes, each handler keeping its note.
func (n *noting) Routes() mock.Routes { return n.notes.Keep(n.Service.Routes()) }

// note is the failure note of the last vendor request.
func (n *noting) note() mock.Note { return n.notes.Last() }

// wantNote checks the note of a natural failure: the catalogue name, the
// body's code, and a reason that mentions each of mention.
func wantNote(t *testing.T, got mock.Note, failure string, mention ...string) {
	t.Helper()
	code := ""
	if failure != "" {
		code = catalogueCode(t, failure)
	}
	if got.Name != failure || got.Field != "code" || got.Code != code {
		t.Errorf("note: got %+v, want %s code=%s", got, failure, code)
	}
	if got.Reason == "" {
		t.Errorf("note of %s: no reason", failure)
	}
	for _, m := range mention {
		if !strings.Contains(got.Reason, m) {
			t.Errorf("note of %s: reason %q does not mention %q", failure, got.Reason, m)
		}
	}
}

// catalogueCode is the code the catalogue's body of failure carries.
func catalogueCode(t *testing.T, failure string) string {
	t.Helper()
	b := string(render(t, failure))
	_, rest, ok := strings.Cut(b, `"code":"`)
	code, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("no code in the body of %s: %s", failure, b)
	}
	return code
}
