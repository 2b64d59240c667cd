// Package mock is the plumbing every vendor shares: injected dependencies,
// what the server knows of a request, JSON writing, the endpoint tables
// vendors declare themselves with (table.go), and the shapes of
// introspection and admin errors.
package mock

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/tokenmock/tokenmock/internal/ids"
	"github.com/tokenmock/tokenmock/internal/session"
)

// Deps are what vendors need from outside; New fills in the unset ones.
type Deps struct {
	Now func(ctx context.Context) time.Time // the mock clock of the request's session
	IDs *ids.Generator
	Log *slog.Logger
	// StoreCap bounds each session's entries in each store of codes or
	// tokens; past it the session's oldest entry makes room, so that one
	// session's load never evicts another's. Zero: DefaultStoreCap.
	StoreCap int
}

// DefaultStoreCap is the default bound of each session's entries in each
// code or token store (--store-cap).
const DefaultStoreCap = 50000

// StoreGlobalCap bounds each code or token store over all sessions
// together: past it, the oldest entry of any session makes room. It is the
// last resort that keeps memory bounded however many sessions there are
// (about 0.4 KiB a token, 0.3 KiB a code); a StoreCap above it raises it
// to StoreCap.
const StoreGlobalCap = 500000

// WithDefaults returns d with real-clock, crypto-random, discard-log
// defaults for nil fields.
func (d Deps) WithDefaults() Deps {
	if d.Now == nil {
		d.Now = session.Clock{Wall: time.Now}.Now
	}
	if d.IDs == nil {
		d.IDs = ids.New(nil)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.StoreCap <= 0 {
		d.StoreCap = DefaultStoreCap
	}
	return d
}

// Request is what the server knows about a request before routing: its
// session, and its body already read and bounded. Vendors read it; nobody
// changes it once the server has made it.
type Request struct {
	Session *session.Session
	Prefix  string // "/s/{name}" when the session came from the path
	Body    []byte // the whole body, already bounded
}

type reqKey struct{}

// WithRequest returns ctx carrying r, and the session of r for the clock.
func WithRequest(ctx context.Context, r *Request) context.Context {
	ctx = context.WithValue(ctx, reqKey{}, r)
	if r.Session != nil {
		ctx = session.With(ctx, r.Session)
	}
	return ctx
}

// RequestOf returns the request record of ctx; a zero one outside the server
// (vendor unit tests that call handlers directly).
func RequestOf(ctx context.Context) *Request {
	if r, ok := ctx.Value(reqKey{}).(*Request); ok {
		return r
	}
	return &Request{}
}

// Req is RequestOf for a gin context.
func Req(c *gin.Context) *Request { return RequestOf(c.Request.Context()) }

// SessionName is the name of the request's session as a failure's reason
// shows it: "(none)" outside the server.
func SessionName(c *gin.Context) string {
	if s := Req(c).Session; s != nil {
		return s.Name
	}
	return "(none)"
}

// ExpiredAt is when something expired, by the session's clock, as a
// failure's reason shows it: "expired at 2026-03-14T09:36:53Z (session
// clock 2026-03-14T09:40:00Z)".
func ExpiredAt(exp, now time.Time) string {
	return "expired at " + exp.UTC().Format(time.RFC3339) + " (session clock " + now.UTC().Format(time.RFC3339) + ")"
}

// SessionID is the incarnation id of the request's session (0 outside the
// server); vendor stores key their state by it.
func SessionID(ctx context.Context) uint64 {
	if s := RequestOf(ctx).Session; s != nil {
		return s.ID
	}
	if s := session.From(ctx); s != nil {
		return s.ID
	}
	return 0
}

type ttlKey struct{}

// WithTokenTTL returns ctx asking the vendor to issue its token with
// lifetime d: a scenario's token_ttl.
func WithTokenTTL(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, ttlKey{}, d)
}

// TokenTTL is the token lifetime a scenario asked for in ctx; zero: the
// vendor's own.
func TokenTTL(ctx context.Context) time.Duration {
	d, _ := ctx.Value(ttlKey{}).(time.Duration)
	return d
}

// failureKey is the gin context key of the *Note of the failure a vendor
// answered.
const failureKey = "tokenmock.failure"

// Note is what the server learns of a vendor's failure answer, for the
// request's log line and journal entry: the catalogue name, the vendor's
// own code and the field that carries it (result_code, code, error), and
// why, in a sentence.
type Note struct {
	Name, Field, Code, Reason string
}

func note(c *gin.Context) *Note {
	if v, ok := c.Get(failureKey); ok {
		if n, ok := v.(*Note); ok {
			return n
		}
	}
	n := &Note{}
	c.Set(failureKey, n)
	return n
}

// NoteFailure records that the vendor answers the request with the
// catalogue failure name. Every vendor's failure writer calls it: a
// scenario's failure_status then knows which failure it is looking at.
func NoteFailure(c *gin.Context, name string) { note(c).Name = name }

// NoteCode records the vendor's code of the failure answered and the
// field of the body that carries it.
func NoteCode(c *gin.Context, field, code string) {
	n := note(c)
	n.Field, n.Code = field, code
}

// NoteReason records why the request failed, for a person reading the
// log: "code rFrnww2 unknown in session default". Call it where the
// reason is known, before or after the failure is written.
func NoteReason(c *gin.Context, format string, args ...any) {
	note(c).Reason = fmt.Sprintf(format, args...)
}

// FailureOf is the catalogue failure the request was answered with, or "".
func FailureOf(c *gin.Context) string { return NoteOf(c).Name }

// NoteOf is everything noted of the request's failure; zero when none.
func NoteOf(c *gin.Context) Note {
	if v, ok := c.Get(failureKey); ok {
		if n, ok := v.(*Note); ok {
			return *n
		}
	}
	return Note{}
}

// EncodeJSON encodes v the way the vendors' Java servers do: no HTML
// escaping, no trailing newline.
func EncodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// JavaDouble is a double as Jackson writes it (Java's Double.toString):
// always with a decimal point ("0.0", "117.0"), and in E notation outside
// [1e-3, 1e7) ("1.0E7").
type JavaDouble float64

// MarshalJSON writes d as Java would.
func (d JavaDouble) MarshalJSON() ([]byte, error) {
	f := float64(d)
	if math.IsNaN(f) || math.IsInf(f, 0) { // not JSON; fixture validation keeps them out
		return []byte("null"), nil
	}
	if abs := math.Abs(f); abs == 0 || (abs >= 1e-3 && abs < 1e7) {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return []byte(s), nil
	}
	mant, exp, _ := strings.Cut(strconv.FormatFloat(f, 'E', -1, 64), "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	n, _ := strconv.Atoi(exp)
	return []byte(mant + "E" + strconv.Itoa(n)), nil
}

// WriteJSON writes v with status and contentType. v must be encodable: wire
// types are structs of strings and numbers, so a failure here is a bug.
func WriteJSON(c *gin.Context, status int, contentType string, v any) {
	b, err := EncodeJSON(v)
	if err != nil {
		panic("mock: unencodable wire value: " + err.Error())
	}
	c.Data(status, contentType, b)
}

// Introspection is the answer of POST /_mock/introspect.
type Introspection struct {
	Active    bool      `json:"active"`
	Vendor    string    `json:"vendor,omitempty"`
	Kind      string    `json:"kind,omitempty"`
	Client    string    `json:"client,omitempty"`
	User      string    `json:"user,omitempty"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Vendor is what every vendor package offers the server.
type Vendor interface {
	// Routes is the vendor's table bound to this service.
	Routes() Routes
	// Introspect describes a token of the session in ctx, active or not.
	Introspect(ctx context.Context, token string) (Introspection, bool)
	// Reset forgets every code and token of every session.
	Reset()
}

// Sweeper is a vendor that keeps expiring state: Sweep drops what expired
// long enough ago, and whatever belongs to sessions that are gone. now
// tells a session's mock time and whether it still exists.
type Sweeper interface {
	Sweep(now func(session uint64) (time.Time, bool), wall time.Time) int
}

// CodeMinter is a vendor that can mint authorization codes for the admin API.
type CodeMinter interface {
	MintCode(ctx context.Context, req json.RawMessage) (string, error)
}

// AdminMounter is a vendor with calls of its own under /_mock.
type AdminMounter interface {
	MountAdmin(r gin.IRouter)
}

// AdminError is a problem with an admin request; the server renders it as
// {"error": ..., "details": [...]} with Status (400 when zero).
type AdminError struct {
	Status  int
	Message string
	Details []string
}

func (e *AdminError) Error() string { return e.Message }

// BadRequest is a 400 AdminError.
func BadRequest(msg string, details ...string) *AdminError {
	return &AdminError{Status: http.StatusBadRequest, Message: msg, Details: details}
}

// WriteAdminJSON answers an admin call with v as JSON and the admin
// headers (SetAdminHeaders).
func WriteAdminJSON(w http.ResponseWriter, status int, v any) {
	b, err := EncodeJSON(v)
	if err != nil {
		panic("mock: unencodable admin answer: " + err.Error())
	}
	SetAdminHeaders(w.Header())
	w.WriteHeader(status)
	w.Write(b)
}

// SetAdminHeaders sets the headers of every admin JSON answer; nosniff
// since it reflects what clients sent (vendor answers stay as the vendors
// send them, without it).
func SetAdminHeaders(h http.Header) {
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
}

// AdminErrorBody is the JSON of an admin error answer.
type AdminErrorBody struct {
	Error   string   `json:"error"`
	Details []string `json:"details"`
}

// WriteAdminError is the one writer of the admin API's error body,
// {"error": ..., "details": [...]}: err's AdminError, or a 400 with its
// text.
func WriteAdminError(w http.ResponseWriter, err error) {
	var ae *AdminError
	if !errors.As(err, &ae) {
		ae = BadRequest(err.Error())
	}
	status := ae.Status
	if status == 0 {
		status = http.StatusBadRequest
	}
	details := ae.Details
	if details == nil {
		details = []string{}
	}
	WriteAdminJSON(w, status, AdminErrorBody{ae.Message, details})
}

// DecodeStrict decodes an admin request body: one JSON object, no unknown
// fields, nothing after it.
func DecodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return BadRequest("invalid JSON body", err.Error())
	}
	if dec.More() {
		return BadRequest("invalid JSON body", "unexpected data after the JSON object")
	}
	return nil
}

// Recover turns a panic in a handler into an answer written by fail (when
// nothing was written yet) and an Error log line, never a bare 500.
func Recover(log *slog.Logger, fail func(c *gin.Context)) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("handler panic", "panic", v, "path", c.Request.URL.Path)
			if !c.Writer.Written() {
				fail(c)
			}
			c.Abort()
		}()
		c.Next()
	}
}

// ErrShutdown is the cause of every request context's end when the server
// shuts down (see ShutdownContext).
var ErrShutdown = errors.New("the mock is shutting down")

// ShutdownContext is the base context of every request of a server:
// shutdown calls stop first, so that a scenario's hang or delay in flight
// ends at once, and context.Cause tells that from a client going away.
func ShutdownContext() (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	return ctx, func() { cancel(ErrShutdown) }
}

// Digest is what a password value looks like, for a message that must
// not show it: whether it is all hex digits, all in lower case, and its
// length in characters. SOLARMAN wants the lower-case hex SHA-256 of the
// password; a client that sends the plaintext is the usual mistake.
type Digest struct {
	Hex, Lower bool
	Len        int
}

// DigestOf describes pw.
func DigestOf(pw string) Digest {
	d := Digest{Hex: true, Lower: true}
	for _, r := range pw {
		d.Len++
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'f':
		case r >= 'A' && r <= 'F':
			d.Lower = false
		default:
			d.Hex = false
		}
	}
	return d
}

// SHA256 tells a hex SHA-256 digest, in either case.
func (d Digest) SHA256() bool { return d.Hex && d.Len == 64 }
