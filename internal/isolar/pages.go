package isolar

import (
	"strings"

	"github.com/tokenmock/tokenmock/internal/htmlesc"
)

// The authorization page's HTML, written without html/template (see
// package htmlesc for why). templates/*.html remain the pages' readable
// source: TestPagesMatchTemplates renders both with hostile values and
// wants the same bytes.

const pageFoot = `</main>
<p style="text-align:center;color:#888;font-size:.8rem">tokenmock - a stand-in for the iSolarCloud authorization page</p>
</body>
</html>
`

func pageHead(b *strings.Builder, title string) {
	b.WriteString(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>`)
	b.WriteString(htmlesc.Text(title))
	b.WriteString(` - iSolarCloud</title>
<style>
body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]{width:100%;padding:.5rem;box-sizing:border-box}
button{margin-top:1.2rem;padding:.6rem 1.2rem}.error{color:#b00020}ul{padding-left:1.2rem}
</style>
</head>
<body>
<main>
`)
}

// writes appends its pieces to b, the values already escaped.
func writes(b *strings.Builder, pieces ...string) {
	for _, p := range pieces {
		b.WriteString(p)
	}
}

func errorHTML(msg string) string {
	var b strings.Builder
	pageHead(&b, "Authorization failed")
	writes(&b, "\n<h1>Authorization failed</h1>\n<p class=\"error\" id=\"error\">", htmlesc.Text(msg), "</p>\n", pageFoot, "\n")
	return b.String()
}

func shimHTML(prefix string) string {
	var b strings.Builder
	pageHead(&b, "Authorization")
	writes(&b, `
<h1>iSolarCloud</h1>
<p id="hint">Open <code>#/authorized-app?cloudId=&hellip;&amp;applicationId=&hellip;&amp;redirectUrl=&hellip;</code> to authorize an application.</p>
<script>
(function () {
  var p = '#/authorized-app?', h = location.hash;
  if (h.indexOf(p) !== 0) return;
  var q = h.substring(p.length), s = new URLSearchParams(location.search).get('state');
  if (s !== null && !new URLSearchParams(q).has('state')) q += (q ? '&' : '') + 'state=' + encodeURIComponent(s);
  location.replace(`, htmlesc.JSString(prefix), ` + '/authorized-app?' + q);
})();
</script>
`, pageFoot, "\n")
	return b.String()
}

func loginHTML(d loginData) string {
	var b strings.Builder
	pageHead(&b, "Log in")
	writes(&b, "\n<h1>Log in to authorize ", htmlesc.Text(d.App), "</h1>\n")
	if d.Error != "" {
		writes(&b, `<p class="error" id="error">`, htmlesc.Text(d.Error), `</p>`)
	}
	writes(&b, `
<form method="post" action="`, htmlesc.URLAttr(d.Prefix), `/authorized-app/login">
<input type="hidden" name="cloudId" value="`, htmlesc.Text(d.CloudID), `">
<input type="hidden" name="applicationId" value="`, htmlesc.Text(d.ApplicationID), `">
<input type="hidden" name="redirectUrl" value="`, htmlesc.Text(d.RedirectURL), `">
<input type="hidden" name="state" value="`, htmlesc.Text(d.State), `">
<label for="account">Account</label>
<input type="text" id="account" name="account" value="`, htmlesc.Text(d.Account), `" autocomplete="username" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<button type="submit" id="login">Log in</button>
</form>
`, pageFoot, "\n")
	return b.String()
}

func consentHTML(d consentData) string {
	var b strings.Builder
	pageHead(&b, "Authorize")
	writes(&b, "\n<h1>", htmlesc.Text(d.App), ` requests access</h1>
<p>Signed in as <strong id="account">`, htmlesc.Text(d.Account), `</strong>. The application will be able to read these plants:</p>
<ul id="plants">`)
	for _, p := range d.Plants {
		writes(&b, "\n<li><label><input type=\"checkbox\" checked disabled> ", htmlesc.Text(p), "</label></li>")
	}
	writes(&b, `
</ul>
<form method="post" action="`, htmlesc.URLAttr(d.Prefix), `/authorized-app/consent">
<input type="hidden" name="ticket" value="`, htmlesc.Text(d.Ticket), `">
<button type="submit" name="decision" value="approve" id="approve">Agree to Authorize</button>
<button type="submit" name="decision" value="deny" id="deny">Cancel</button>
</form>
`, pageFoot, "\n")
	return b.String()
}
