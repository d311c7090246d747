import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/files.js';

/*
 * The Electron shell may import from the backend only the plain helpers
 * eslint.config.js names; every backend folder is refused. Probes are linted
 * with the project's own config, in the place of a real shell file (the type
 * checker needs a file it knows), and only the layer rule's messages count.
 */
const REFUSED_FROM_SHELL = [
  'db/database.js',
  'api/handlers.js',
  'import/importer.js',
  'mailbox/mailbox-manager.js',
  'policy/mx-hosts-check.js',
  'health/domain-health.js',
  'notify/finding-notifier.js',
  'export/failures-csv.js',
  'files/regular-file.js',
  'serve/http-server.js',
  'metrics/tlsrpt-metrics.js',
  'sink/pg-exporter.js',
  'app-version.js',
  'a-folder-added-later/module.js',
];
const ALLOWED_FROM_SHELL = ['paths.js', 'database-files.js', 'serve/static-files.js'];

/** The specifiers of `source`'s imports that the layer rule refuses when it stands at `file`. */
async function refusedImports(file: string, specifiers: readonly string[]): Promise<string[]> {
  const source = specifiers.map((specifier) => `import '${specifier}';`).join('\n');
  const eslint = new ESLint({ cwd: repoRoot });
  const [result] = await eslint.lintText(source, { filePath: join(repoRoot, file) });
  if (result === undefined) throw new Error(`ESLint gave no result for ${file}`);
  const fatal = result.messages.find((message: Linter.LintMessage) => message.fatal === true);
  if (fatal !== undefined) throw new Error(`ESLint could not parse the probe at ${file}: ${fatal.message}`);
  return result.messages
    .filter((message) => message.ruleId === 'no-restricted-imports')
    .map((message) => specifiers[message.line - 1] ?? `line ${message.line}`);
}

describe('the shell imports from the backend only what eslint.config.js allows', () => {
  let fromShell: string[];
  let fromMain: string[];
  let fromBackendProcess: string[];

  beforeAll(async () => {
    const probes = [...REFUSED_FROM_SHELL, ...ALLOWED_FROM_SHELL];
    fromShell = await refusedImports(
      'electron/shell/menu.ts',
      probes.map((module) => `../backend/${module}`),
    );
    fromMain = await refusedImports(
      'electron/main.ts',
      probes.map((module) => `./backend/${module}`),
    );
    fromBackendProcess = await refusedImports('electron/shell/backend-process.ts', ['../backend/db/database.js']);
  }, 120_000);

  it.each(REFUSED_FROM_SHELL)('refuses backend/%s from electron/shell/ and from main.ts', (module) => {
    expect(fromShell).toContain(`../backend/${module}`);
    expect(fromMain).toContain(`./backend/${module}`);
  });

  it.each(ALLOWED_FROM_SHELL)('allows backend/%s', (module) => {
    expect(fromShell).not.toContain(`../backend/${module}`);
    expect(fromMain).not.toContain(`./backend/${module}`);
  });

  it("leaves the backend process's own entry point free to import the backend", () => {
    expect(fromBackendProcess).toEqual([]);
  });
});
