// The hand-written types of the high-level client (js/smtp.d.ts, through
// js/index.d.ts) type-check a usage file with tsc --noEmit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const PKG = fileURLToPath(new URL('..', import.meta.url));

test('TypeScript: js/smtp.d.ts type-checks test/client-usage.ts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'smtp-rs-types-'));
  try {
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true,
        lib: ['es2022', 'esnext.disposable', 'dom'], types: [],
        paths: { 'smtp-rs': [join(PKG, 'js/index.d.ts')] },
      },
      files: [join(PKG, 'test/client-usage.ts')],
    }));
    await run(join(PKG, 'node_modules/.bin/tsc'), ['-p', join(dir, 'tsconfig.json')], { timeout: 120_000 });
  } catch (e) {
    assert.fail(`tsc found errors:\n${e.stdout ?? ''}${e.stderr ?? e}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
