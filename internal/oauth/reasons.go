package oauth

import (
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/mock"
)

// The reasons a natural failure notes for the log (mock.NoteReason): what
// was wrong, with the values that explain it, never a secret or a token.

// expiredAt tells when something expired by the session's clock.
func (s *Service) expiredAt(c *gin.Context, exp time.Time) string {
	return mock.ExpiredAt(exp, s.deps.Now(c.Request.Context()))
}

// credentialsReason tells why a client's id and secret were refused.
func (s *Service) credentialsReason(id, secret string) string {
	switch {
	case s.clients[id] == nil:
		return "client " + shown(id) + " unknown"
	case secret == "":
		return "no client_secret for client " + id
	}
	return "client secret does not match client " + id
}

// shown is a value as a reason shows it: bare when it is a plain word,
// quoted when empty or when it holds spaces or unprintable characters.
func shown(v string) string {
	if v == "" || strings.IndexFunc(v, func(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f || !unicode.IsPrint(r) }) >= 0 {
		return quote(v)
	}
	return v
}

// listed is a list for a reason: "a, b", or "none".
func listed(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}
