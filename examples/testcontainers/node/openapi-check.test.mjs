// Tests of the admin answers' check (openapi-checker.mjs) and of the fetch
// wrapper the recipe runs under (openapi-check.mjs): canned answers, valid
// and drifted, against schema/admin.openapi.json. No container needed.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, test } from "node:test";
import { adminPath, Checker } from "./openapi-checker.mjs";

const checker = Checker.load();
const JSON_TYPE = "application/json; charset=utf-8";
const health = { status: "ok", version: "v1.2.3" };
const clock = { session: "node-recipe-1", now: "2026-12-04T01:02:03Z", offset: "0s", frozen: false };

function check(method, path, status, body, contentType = JSON_TYPE) {
  return checker.check({ method, path, status, contentType, body: typeof body === "string" ? body : JSON.stringify(body) });
}

// Asserts one problem was found, and that it mentions want.
function assertMismatch(problems, want) {
  assert.ok(problems.length > 0, "the drifted answer passed");
  assert.match(problems.join("\n"), want);
}

describe("adminPath", () => {
  test("strips the session prefix, keeps /_mock paths, drops vendor paths", () => {
    assert.equal(adminPath("/_mock/health"), "/_mock/health");
    assert.equal(adminPath("/s/node-recipe-1/_mock/requests"), "/_mock/requests");
    assert.equal(adminPath("/s/x//_mock/clock"), "/_mock/clock");
    assert.equal(adminPath("//_mock/clock"), "/_mock/clock");
    assert.equal(adminPath("/_mock"), "/_mock");
    assert.equal(adminPath("/s/x/openapi/apiManage/token"), null);
    assert.equal(adminPath("/_mockery"), null);
  });
});

describe("Checker", () => {
  test("a valid answer passes, with or without the session prefix", () => {
    assert.deepEqual(check("GET", "/_mock/health", 200, health), []);
    assert.deepEqual(check("GET", "/s/node-recipe-1/_mock/clock", 200, clock), []);
  });

  test("an extra field fails", () => {
    assertMismatch(check("GET", "/_mock/health", 200, { ...health, uptime: "1h" }), /additional properties: uptime/);
  });

  test("a missing required field fails", () => {
    const { frozen, ...drifted } = clock;
    assert.equal(frozen, false);
    assertMismatch(check("GET", "/_mock/clock", 200, drifted), /required property 'frozen'/);
  });

  test("a wrong type and a wrong format fail", () => {
    assertMismatch(check("GET", "/_mock/clock", 200, { ...clock, frozen: "no" }), /\/frozen must be boolean/);
    assertMismatch(check("GET", "/_mock/clock", 200, { ...clock, now: "today" }), /\/now must match format "date-time"/);
  });

  test("an undocumented status fails", () => {
    assertMismatch(check("GET", "/_mock/health", 404, { error: "no", details: [] }), /status 404 is not documented for GET \/_mock\/health/);
  });

  test("a documented error status is checked against its shared response's schema", () => {
    assert.deepEqual(check("PUT", "/_mock/scenario", 400, { error: "bad scenario", details: ["name: unknown"] }), []);
    assertMismatch(check("PUT", "/_mock/scenario", 400, { error: "bad scenario" }), /required property 'details'/);
  });

  test("the content type must be a documented one", () => {
    assertMismatch(check("GET", "/_mock/health", 200, health, "text/plain"), /content type "text\/plain"/);
    assert.deepEqual(check("GET", "/_mock/ui", 200, "<!doctype html>", "text/html; charset=utf-8"), []);
    assertMismatch(check("GET", "/_mock/ui", 200, "{}"), /want one of: text\/html/);
  });

  test("a body that is no JSON fails", () => {
    assertMismatch(check("GET", "/_mock/health", 200, "ok"), /no JSON/);
  });

  test("unknown paths and methods get 404 and 405 with the error body", () => {
    const error = { error: "no such admin path", details: [] };
    assert.deepEqual(check("GET", "/_mock/nothing", 404, error), []);
    assert.deepEqual(check("PATCH", "/_mock/clock", 405, error), []);
    assert.deepEqual(check("PATCH", "/_mock/clock", 401, error), []); // a refusal before routing
    assertMismatch(check("GET", "/_mock/nothing", 200, health), /no operation for \(want 404/);
    assertMismatch(check("PATCH", "/_mock/clock", 404, error), /no operation for \(want 405/);
    assertMismatch(check("GET", "/_mock/nothing", 404, { error: "" }), /must NOT have fewer than 1 characters/);
  });

  test("a vendor answer is not checked", () => {
    assert.equal(check("POST", "/s/x/openapi/apiManage/token", 200, "{}"), null);
  });

  test("every response schema of the document compiles in Ajv's strict mode", () => {
    const pointers = checker.responseSchemas();
    assert.ok(pointers.length >= 15, `only ${pointers.length} response schemas found`);
    for (const pointer of pointers) assert.equal(typeof checker.validator(pointer), "function", pointer);
  });

  test("a document that is not OpenAPI 3.1 is refused", () => {
    assert.throws(() => new Checker({ openapi: "3.0.3", paths: {} }), /OpenAPI 3.0.3, want 3.1/);
  });
});

// The wrapper, in a process of its own (as under node --test): a server
// on the loopback address answers with canned bodies, a script fetches.
describe("openapi-check.mjs (the fetch wrapper)", () => {
  const preload = fileURLToPath(new URL("./openapi-check.mjs", import.meta.url));
  const answers = {
    "/s/t/_mock/health": [200, health],
    "/s/t/_mock/clock": [200, { ...clock, extra: true }],
    "/s/t/openapi/x": [200, { vendor: true }],
  };
  let server;
  let base;

  before(async () => {
    server = createServer((req, res) => {
      const [status, body] = answers[new URL(req.url, "http://x").pathname] ?? [404, { error: "no", details: [] }];
      res.writeHead(status, { "Content-Type": JSON_TYPE }).end(JSON.stringify(body));
    });
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    base = `http://127.0.0.1:${server.address().port}`;
  });
  after(() => server.close());

  // The environment without the runner's mark for a test file's process,
  // and with the repository's document.
  const { NODE_TEST_CONTEXT: _context, TOKENMOCK_OPENAPI_DOCUMENT: _document, ...scriptEnv } = process.env;

  // Runs a script that fetches paths (their bodies read as a caller
  // would) under the wrapper: its exit code and stderr.
  async function run(...paths) {
    const script = `for (const p of ${JSON.stringify(paths)}) await (await fetch(${JSON.stringify(base)} + p, { signal: AbortSignal.timeout(10000) })).text();`;
    try {
      const { stderr } = await promisify(execFile)(process.execPath, ["--import", preload, "--input-type=module", "-e", script], {
        timeout: 30_000,
        env: scriptEnv,
      });
      return { code: 0, stderr };
    } catch (err) {
      if (typeof err.code !== "number") throw err;
      return { code: err.code, stderr: err.stderr };
    }
  }

  test("valid answers: a summary, exit 0; vendor answers are not counted", async () => {
    const { code, stderr } = await run("/s/t/_mock/health", "/s/t/_mock/nothing", "/s/t/openapi/x");
    assert.equal(stderr, "openapi-check: 2 admin answers checked, all valid\n");
    assert.equal(code, 0);
  });

  test("a drifted answer: reported with method, path, status, body and Ajv's error; exit 1", async () => {
    const { code, stderr } = await run("/s/t/_mock/health", "/s/t/_mock/clock?x=1");
    assert.equal(code, 1);
    assert.match(stderr, /admin answer does not match .*admin\.openapi\.json: GET \/s\/t\/_mock\/clock\?x=1 → 200\n/);
    assert.match(stderr, /\n {2}body: \{"session":"node-recipe-1",.*"extra":true\}\n/);
    assert.match(stderr, /\n {2}\(body\) must NOT have additional properties: extra/);
    assert.match(stderr, /openapi-check: 2 admin answers checked, 1 do not match the document\n$/);
  });

  test("no admin answer checked: exit 1", async () => {
    const { code, stderr } = await run("/s/t/openapi/x");
    assert.equal(code, 1);
    assert.match(stderr, /no admin answer was checked/);
  });
});
