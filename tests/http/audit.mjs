// The graphql-http server audit (GraphQL-over-HTTP spec conformance) against a running server.
//
//   node tests/http/audit.mjs <url> [token]      (or the token in TETHER_AUDIT_TOKEN)
//
// Every request carries `Authorization: Bearer <token>` when a token is given. Prints a JSON report
// ({"url", "counts", "audits": [{id, name, status, reason}]}) on stdout and exits 1 when any audit
// ends in `error` (a failed MUST) or `warn` (a failed SHOULD), 2 on a usage or fatal error.

import { serverAudits } from "graphql-http";

const [url, tokenArgument] = process.argv.slice(2);
if (!url) {
  console.error("usage: node tests/http/audit.mjs <url> [token]");
  process.exit(2);
}
const token = tokenArgument || process.env.TETHER_AUDIT_TOKEN || "";

/** fetch, plus the Authorization header (unless the audit sets its own). */
async function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers);
  if (token && !headers.has("authorization")) {
    headers.set("authorization", `Bearer ${token}`);
  }
  return fetch(input, { ...init, headers, signal: AbortSignal.timeout(30_000) });
}

async function run(audit) {
  const result = await audit.fn();
  const entry = { id: result.id, name: result.name, status: result.status, reason: null };
  if (result.status !== "ok") {
    entry.reason = result.reason;
    // What the server actually answered, to make a failure actionable.
    const response = result.response;
    let body = null;
    try {
      body = response.bodyUsed ? "(body already read by the audit)" : (await response.text()).slice(0, 500);
    } catch (error) {
      body = `(unreadable body: ${error})`;
    }
    entry.response = {
      status: response.status,
      contentType: response.headers.get("content-type"),
      body,
    };
  }
  return entry;
}

try {
  const audits = serverAudits({ url, fetchFn: fetchWithToken });
  const results = await Promise.all(audits.map(run));
  const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
  for (const result of results) counts[result.status] += 1;
  console.log(JSON.stringify({ url, counts, audits: results }, null, 2));
  process.exit(counts.error > 0 || counts.warn > 0 ? 1 : 0);
} catch (error) {
  console.error(`fatal: the audit could not run against ${url}: ${error?.stack ?? error}`);
  process.exit(2);
}
