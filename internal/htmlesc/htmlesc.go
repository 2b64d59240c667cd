// Package htmlesc escapes values for the mock's few HTML pages exactly as
// html/template would in the same places, without html/template: a
// template package in the binary keeps every exported method of every
// type alive (text/template calls methods by name), which more than
// doubles the binary with gin's unused encoders and costs start-up time
// and resident memory. Each page's test renders it both ways and wants the
// same bytes.
package htmlesc

import (
	"encoding/json"
	"strings"
)

// Text escapes a value in text, RCDATA or a quoted attribute as
// html/template does.
func Text(s string) string {
	var b strings.Builder
	written := 0
	for i := 0; i < len(s); i++ {
		var repl string
		switch s[i] {
		case 0:
			repl = "\uFFFD"
		case '"':
			repl = "&#34;"
		case '&':
			repl = "&amp;"
		case '\'':
			repl = "&#39;"
		case '+':
			repl = "&#43;"
		case '<':
			repl = "&lt;"
		case '>':
			repl = "&gt;"
		default:
			continue
		}
		if written == 0 {
			b.Grow(len(s) + 16)
		}
		b.WriteString(s[written:i])
		b.WriteString(repl)
		written = i + 1
	}
	if written == 0 {
		return s
	}
	b.WriteString(s[written:])
	return b.String()
}

// URLAttr is a value at the start of a quoted URL attribute, as
// html/template treats it: an unsafe scheme becomes #ZgotmplZ, the URL is
// normalised (bytes outside URLs percent-encoded, valid escapes kept) and
// then escaped for the attribute.
func URLAttr(s string) string {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		return "#ZgotmplZ"
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', strings.IndexByte("!#$&*+,/:;=?@[]-._~", c) >= 0:
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		}
	}
	return Text(b.String())
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' }

// JSString is a string value in a script, as html/template writes it:
// JSON, with U+2028 and U+2029 escaped.
func JSString(s string) string {
	j, _ := json.Marshal(s) // a string always marshals
	out := string(j)
	if strings.ContainsRune(out, 0x2028) || strings.ContainsRune(out, 0x2029) {
		out = strings.NewReplacer("\u2028", `\u2028`, "\u2029", `\u2029`).Replace(out)
	}
	return out
}
