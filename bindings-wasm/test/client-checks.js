// Runs named checks in order for the runtimes that are not Node (Deno's
// test/deno/client.mjs, workerd's test/workerd/worker.js), which report
// [{name, ok, error?}] to the Node test that started them.
export async function runChecks(checks) {
  const results = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
      results.push({ name, ok: true });
    } catch (e) {
      results.push({ name, ok: false, error: String(e?.stack ?? e) });
    }
  }
  return results;
}
