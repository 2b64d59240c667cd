package mock

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

func TestRecoverAnswersWithTheFallback(t *testing.T) {
	e := gin.New()
	e.Use(Recover(slog.New(slog.DiscardHandler), func(c *gin.Context) { c.String(http.StatusOK, "vendor error") }))
	e.GET("/boom", func(*gin.Context) { panic("boom") })
	e.GET("/late", func(c *gin.Context) {
		c.String(http.StatusAccepted, "partial")
		panic("late")
	})
	for _, c := range []struct {
		path   string
		status int
		body   string
	}{
		{"/boom", 200, "vendor error"},
		{"/late", 202, "partial"}, // the answer already begun is left alone
	} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest("GET", c.path, nil))
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%s: got %d %q, want %d %q", c.path, w.Code, w.Body, c.status, c.body)
		}
	}
}

func TestEncodeJSONKeepsHTMLAndOrder(t *testing.T) {
	got, err := EncodeJSON(struct {
		B string `json:"b"`
		A string `json:"a"`
	}{"a<b&c>", "x"})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"b":"a<b&c>","a":"x"}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestDecodeStrict(t *testing.T) {
	var v struct {
		A string `json:"a"`
	}
	for _, bad := range []string{`{"b":1}`, `{"a":"x"} {}`, `nope`, ``} {
		err := DecodeStrict([]byte(bad), &v)
		var ae *AdminError
		if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
			t.Errorf("%q: got %v, want a 400 AdminError", bad, err)
		}
	}
	if err := DecodeStrict([]byte(`{"a":"x"}`), &v); err != nil || v.A != "x" {
		t.Errorf("got %v %q, want nil \"x\"", err, v.A)
	}
}

// Doubles come out as Java's Double.toString writes them, as Jackson does.
func TestJavaDouble(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{117, "117.0"},
		{31.86406773478788, "31.86406773478788"},
		{-33.5, "-33.5"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{9999999, "9999999.0"},
		{1e7, "1.0E7"},
		{1.25e10, "1.25E10"},
		{math.NaN(), "null"},
	} {
		got, err := EncodeJSON(JavaDouble(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("%v: got %s (%v), want %s", c.in, got, err, c.want)
		}
	}
}

func TestNoteGathersTheFailure(t *testing.T) {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	if got := NoteOf(c); got != (Note{}) {
		t.Fatalf("NoteOf before any note = %+v, want zero", got)
	}
	NoteReason(c, "code %s unknown in session %s", "rFrnww2", "default") // before the failure is written
	NoteFailure(c, "invalid_code")
	NoteCode(c, "result_code", "2")
	want := Note{Name: "invalid_code", Field: "result_code", Code: "2", Reason: "code rFrnww2 unknown in session default"}
	if got := NoteOf(c); got != want {
		t.Errorf("NoteOf = %+v, want %+v", got, want)
	}
	if got := FailureOf(c); got != "invalid_code" {
		t.Errorf("FailureOf = %q, want invalid_code", got)
	}
}

func TestDigestOf(t *testing.T) {
	lower := "b6fb89cb6ad34bfb2b86d5c86f1d2c3d6e1e4d1e4fe2e0b63bbd54d46c1e8d6f"
	for pw, want := range map[string]Digest{
		lower:                  {Hex: true, Lower: true, Len: 64},
		strings.ToUpper(lower): {Hex: true, Lower: false, Len: 64},
		"123456":               {Hex: true, Lower: true, Len: 6},
		"demo1234x":            {Hex: false, Lower: true, Len: 9},
		"pässword":             {Hex: false, Lower: true, Len: 8},
		"":                     {Hex: true, Lower: true, Len: 0},
	} {
		if got := DigestOf(pw); got != want {
			t.Errorf("DigestOf(%q) = %+v, want %+v", pw, got, want)
		}
		if got, want := DigestOf(pw).SHA256(), len(pw) == 64; got != want {
			t.Errorf("DigestOf(%q).SHA256() = %v, want %v", pw, got, want)
		}
	}
}
