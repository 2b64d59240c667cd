// A preload for the recipe's test run (../ci.sh runs
// `node --import ./openapi-check.mjs --test recipe.test.mjs`): it wraps
// globalThis.fetch so that every answer to a request under /_mock (with or
// without the /s/{session} prefix) is checked against
// schema/admin.openapi.json (openapi-checker.mjs). The recipe stays as a
// user copies it. Testcontainers' wait on /_mock/health uses its own HTTP
// client (undici's request), so those polls are not seen here.
//
// At the process's exit it prints every mismatch (method, path, status, a
// body excerpt, Ajv's errors) and a one-line summary, and sets a failing
// exit code when an answer did not match or when no admin answer was
// checked at all (the wrapper was not reached: the check would be silently
// checking nothing). Under `node --test` the test file's process does
// this, and the runner fails that file.
//
// TOKENMOCK_OPENAPI_DOCUMENT: another document to check against (a file
// name), instead of the repository's.
import { adminPath, Checker, DOCUMENT } from "./openapi-checker.mjs";

const EXCERPT = 300; // characters of a body quoted in a report

// `node --test` itself (the runner, which spawns a process for each test
// file with NODE_TEST_CONTEXT set) makes no calls: nothing to check there.
const runner = process.execArgv.includes("--test") && !process.env.NODE_TEST_CONTEXT;
if (!runner) install(process.env.TOKENMOCK_OPENAPI_DOCUMENT || DOCUMENT);

function install(document) {
  const checker = Checker.load(document);
  const fetch = globalThis.fetch;
  let checked = 0;
  const mismatches = [];

  globalThis.fetch = async function checkedFetch(input, init) {
    const resp = await fetch(input, init);
    const request = input instanceof Request ? input : null;
    const url = new URL(resp.url || request?.url || String(input));
    if (adminPath(url.pathname) === null) return resp;
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    let body = null; // null: not read (the client left); status and type are still checked
    try {
      body = await resp.clone().text();
    } catch {
      // The caller's signal aborted the read; its own read fails too.
    }
    const problems = checker.check({
      method,
      path: url.pathname,
      status: resp.status,
      contentType: resp.headers.get("content-type"),
      body,
    });
    checked++;
    if (problems.length > 0) {
      mismatches.push({ method, target: url.pathname + url.search, status: resp.status, body, problems });
    }
    return resp;
  };

  process.on("exit", () => {
    const out = [];
    for (const m of mismatches) {
      const excerpt = m.body === null ? "(not read)" : m.body.length > EXCERPT ? m.body.slice(0, EXCERPT) + "…" : m.body;
      out.push(`openapi-check: admin answer does not match ${document}: ${m.method} ${m.target} → ${m.status}`);
      out.push(`  body: ${excerpt}`);
      for (const p of m.problems) out.push(`  ${p}`);
    }
    if (checked === 0) {
      out.push("openapi-check: no admin answer was checked (no fetch to a /_mock/ URL reached the wrapper)");
    } else if (mismatches.length > 0) {
      out.push(`openapi-check: ${checked} admin answers checked, ${mismatches.length} do not match the document`);
    } else {
      out.push(`openapi-check: ${checked} admin answers checked, all valid`);
    }
    process.stderr.write(out.join("\n") + "\n");
    if (checked === 0 || mismatches.length > 0) process.exitCode = 1;
  });
}
