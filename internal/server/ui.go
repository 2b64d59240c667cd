package server

import (
	"github.com/gin-gonic/gin"
)

// mountPages mounts the mock's browser pages. They come before the admin
// token's guard, as a browser's navigation carries no token: the callback
// page shows only what the browser brought in its address, and the journal
// page holds no data of its own (its script reads GET /_mock/requests,
// with the admin token when one is typed in).
func (s *Server) mountPages(g *gin.RouterGroup) {
	g.GET("/callback", s.callback)
	g.GET("/ui", s.ui)
}

// ui serves the journal page.
func (s *Server) ui(c *gin.Context) {
	// Its own inline script and style, requests to this server only.
	writePage(c, "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'", []byte(uiPage))
}

// uiPage lists the journal. Every value from the journal is put into the
// page with textContent, never as HTML.
const uiPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tokenmock: requests</title>
<style>
body { font-family: system-ui, sans-serif; margin: 1.5em; }
form { display: flex; gap: 1em; flex-wrap: wrap; align-items: end; margin-bottom: 1em; }
label { display: flex; flex-direction: column; font-size: .85em; }
table { border-collapse: collapse; width: 100%; font-size: .9em; }
th, td { text-align: left; padding: .25em .5em; border-bottom: 1px solid #ddd; vertical-align: top; }
tr.entry { cursor: pointer; }
tr.entry:hover { background: #f4f4f4; }
tr.fail td.status { color: #b00; font-weight: bold; }
pre { white-space: pre-wrap; word-break: break-all; margin: 0; background: #f8f8f8; padding: .5em; }
#error { color: #b00; }
</style>
</head>
<body>
<h1>Requests</h1>
<p>The journal of vendor requests (<code>GET /_mock/requests</code>), newest first; click a row for its
query, headers and bodies (secrets are masked).</p>
<form id="filters">
<label>session <input id="session" placeholder="every session"></label>
<label>endpoint <input id="endpoint" placeholder="every endpoint, e.g. isolar.token"></label>
<label>admin token <input id="token" type="password" placeholder="when the server has one"></label>
<label><span><input id="auto" type="checkbox" checked> refresh every 2 s</span></label>
<button type="submit">Show</button>
</form>
<p id="error" role="alert"></p>
<table>
<thead><tr><th>time</th><th>session</th><th>endpoint</th><th>method</th><th>path</th><th>status</th><th>failure</th><th>reason</th><th>rule</th><th>ms</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const expanded = new Set();
$("token").value = sessionStorage.getItem("tokenmock-admin-token") || "";
const params = new URLSearchParams(location.search);
$("session").value = params.get("session") || "";
$("endpoint").value = params.get("endpoint") || "";

function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text;
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function detail(e) {
  const tr = document.createElement("tr");
  const td = document.createElement("td");
  td.colSpan = 10;
  const pre = document.createElement("pre");
  const headers = Object.entries(e.headers || {}).map(([k, v]) => k + ": " + v).join("\n");
  pre.textContent = "query: " + (e.query || "") + "\n\n" + headers + "\n\n" + (e.body || "") +
    "\n\n--- answer " + e.status + " ---\n" + (e.response_body || "");
  td.appendChild(pre);
  tr.appendChild(td);
  return tr;
}

async function load() {
  const q = new URLSearchParams();
  if ($("session").value) q.set("session", $("session").value);
  if ($("endpoint").value) q.set("endpoint", $("endpoint").value);
  const headers = {};
  if ($("token").value) headers["Authorization"] = "Bearer " + $("token").value;
  let body;
  try {
    const r = await fetch("requests?" + q.toString(), {headers, cache: "no-store"});
    body = await r.json();
    if (!r.ok) {
      $("error").textContent = r.status + ": " + (body.error || "") + " " + (body.details || []).join("; ");
      return;
    }
  } catch (err) {
    $("error").textContent = "cannot read the journal: " + err;
    return;
  }
  $("error").textContent = "";
  const rows = $("rows");
  rows.replaceChildren();
  for (const e of (body.requests || []).slice().reverse()) {
    const tr = document.createElement("tr");
    tr.className = "entry" + (e.failure || e.status >= 400 ? " fail" : "");
    cell(tr, e.time);
    cell(tr, e.session);
    cell(tr, e.endpoint);
    cell(tr, e.method);
    cell(tr, e.path);
    cell(tr, String(e.status), "status");
    cell(tr, e.failure || "");
    cell(tr, e.reason || "");
    cell(tr, e.rule || "");
    cell(tr, e.duration_ms === undefined ? "" : String(e.duration_ms));
    tr.addEventListener("click", () => {
      if (expanded.has(e.id)) expanded.delete(e.id); else expanded.add(e.id);
      load();
    });
    rows.appendChild(tr);
    if (expanded.has(e.id)) rows.appendChild(detail(e));
  }
}

$("filters").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem("tokenmock-admin-token", $("token").value);
  load();
});
setInterval(() => { if ($("auto").checked) load(); }, 2000);
load();
</script>
</body>
</html>
`
