// Package ids makes the random values the vendors hand out: UUIDs, codes,
// hex request ids. The random source is injected so tests are deterministic.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"sync"

	"github.com/google/uuid"
)

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// Generator draws ids from one random source. It is safe for concurrent use.
type Generator struct {
	mu     sync.Mutex
	r      io.Reader
	locked bool // a custom reader may not be safe for concurrent use
}

// New returns a generator reading from r; nil means crypto/rand.
func New(r io.Reader) *Generator {
	if r == nil {
		return &Generator{r: rand.Reader}
	}
	return &Generator{r: r, locked: true}
}

func (g *Generator) read(b []byte) {
	if g.locked {
		g.mu.Lock()
		defer g.mu.Unlock()
	}
	if _, err := io.ReadFull(g.r, b); err != nil {
		// crypto/rand never fails on supported platforms; a test reader
		// that runs dry is a bug in the test.
		panic("ids: random source failed: " + err.Error())
	}
}

// UUID returns a random (version 4) UUID in its canonical lowercase form.
func (g *Generator) UUID() string {
	var u uuid.UUID
	g.read(u[:])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return u.String()
}

// UUIDHex is UUID without dashes.
func (g *Generator) UUIDHex() string {
	var u uuid.UUID
	g.read(u[:])
	u[6] = (u[6] & 0x0f) | 0x40
	u[8] = (u[8] & 0x3f) | 0x80
	return hex.EncodeToString(u[:])
}

// Hex returns n random lowercase hex characters.
func (g *Generator) Hex(n int) string {
	b := make([]byte, (n+1)/2)
	g.read(b)
	return hex.EncodeToString(b)[:n]
}

// Alnum returns n characters drawn uniformly from [A-Za-z0-9].
func (g *Generator) Alnum(n int) string {
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/2+1)
	for len(out) < n {
		g.read(buf)
		for _, c := range buf {
			// 248 = 4*62: rejecting the top values keeps the draw uniform.
			if c < 248 && len(out) < n {
				out = append(out, alnum[int(c)%len(alnum)])
			}
		}
	}
	return string(out)
}

// Unreserved reports whether s is 1 to max of URI's unreserved characters
// (RFC 3986: letters, digits, "-", ".", "_", "~"): a value that survives a
// URL path or query as it is, such as a session name or a code.
func Unreserved(s string, max int) bool {
	if len(s) < 1 || len(s) > max {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}
