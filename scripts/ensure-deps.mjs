/**
 * Installs the project's dependencies when they are missing or stale, so that `npm start` and
 * `npm test` work on a fresh clone with nothing run before them. Stale means package-lock.json
 * changed since the last install this script saw (a stamp in node_modules records its hash).
 * Uses `npm ci` when there is a lock file (exact versions), `npm install` otherwise.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = join(root, 'node_modules', '.playground-deps');

function lockHash() {
  const file = existsSync(join(root, 'package-lock.json')) ? 'package-lock.json' : 'package.json';
  return createHash('sha256').update(readFileSync(join(root, file))).digest('hex');
}

function missingPackages() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const names = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})];
  return names.filter((n) => !existsSync(join(root, 'node_modules', n, 'package.json')));
}

/** Installs when needed; exits the process if the install fails. */
export function ensureDeps() {
  const hash = lockHash();
  const missing = missingPackages();
  const stamp = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : null;
  if (missing.length === 0 && (stamp === null || stamp === hash)) {
    if (stamp === null) writeFileSync(STAMP, hash);
    return;
  }
  const why = missing.length ? `${missing.length} package(s) missing (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''})` : 'package-lock.json changed';
  const cmd = existsSync(join(root, 'package-lock.json')) ? ['ci'] : ['install'];
  console.log(`Installing dependencies: ${why} → npm ${cmd.join(' ')}`);
  const r = spawnSync('npm', [...cmd, '--no-audit', '--no-fund'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) {
    console.error('Installing the dependencies failed (see above). The npm registry must be reachable.');
    process.exit(r.status ?? 1);
  }
  writeFileSync(STAMP, hash);
}
