// The Testcontainers recipe for Node: tokenmock in a container for the
// tests of this file, and a client's token call against it. Run with
// `npm test` (node --test); it needs a Docker engine, or podman's socket
// in DOCKER_HOST (see ../ci.sh). package.json pins testcontainers 11.14.0,
// the last release line that runs on Node 20 (12.1 and later declare
// Node >= 22.22).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { GenericContainer, Wait } from "testcontainers";

const image = process.env.TOKENMOCK_IMAGE ?? "ghcr.io/tokenmock/tokenmock:latest";

let container;
let session; // this file's own mock session: its base URL, …/s/<name>

before(async () => {
  container = await new GenericContainer(image)
    .withExposedPorts(8080)
    .withWaitStrategy(Wait.forHttp("/_mock/health", 8080))
    .start();
  const url = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
  session = `${url}/s/node-recipe-${process.pid}`;
});

after(async () => {
  await container?.stop();
});

// iSolarCloud's token exchange with the default fixtures' app and static
// code, as the client under test would make it.
async function isolarToken() {
  const resp = await fetch(`${session}/openapi/apiManage/token`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "x-access-key": "MOCKSECRETKEY0123456789ABCDEFGHI" },
    body: JSON.stringify({
      appkey: "B968E49385CBD8C74587A374E7B1D21A",
      grant_type: "authorization_code",
      code: "rFrnww",
      redirect_uri: "https://web3.isolarcloud.com.cn",
    }),
    signal: AbortSignal.timeout(10_000),
  });
  assert.equal(resp.status, 200);
  return resp.json();
}

// An admin call of the session (/_mock under its base URL).
async function admin(method, path, body) {
  const resp = await fetch(`${session}/_mock${path}`, {
    method,
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  assert.ok(resp.ok, `${method} /_mock${path}: ${resp.status} ${await resp.clone().text()}`);
  return resp.json();
}

test("token call, scenario and journal", async () => {
  const answer = await isolarToken();
  assert.equal(answer.result_code, "1");
  assert.ok(answer.result_data.access_token);

  // A scenario from the library: the gateway refuses the next calls.
  await admin("PUT", "/scenario", { name: "isolar-gateway-rate-limited" });
  assert.equal((await isolarToken()).result_code, "E999");

  const { requests } = await admin("GET", "/requests?endpoint=isolar.token&limit=0");
  assert.deepEqual(
    requests.map((r) => r.rule),
    ["", "isolar-gateway-rate-limited/hourly-limit"],
  );
});
