// Checks the package as npm would publish it (npm run check:package):
// packs it (prepack builds dist/lib from clean), lints the tarball with
// publint and with Are the Types Wrong, and checks that `npm publish
// --dry-run` would publish the very files that were packed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);

/** Runs a command, showing its output; throws when it fails. */
function run(command, args) {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  execFileSync(command, args, { stdio: 'inherit' });
}

/** npm's JSON report of `npm <args> --json`: the lifecycle scripts print before it. */
function npmJson(args) {
  const stdout = execFileSync('npm', [...args, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(stdout.slice(stdout.search(/^[[{]/m)));
}

const filesOf = (report) => report.files.map((file) => file.path).sort();

const out = mkdtempSync(join(tmpdir(), 'asyncjob-pack-'));
try {
  const [packed] = npmJson(['pack', '--pack-destination', out]);
  const tarball = join(out, packed.filename);
  const packedFiles = filesOf(packed);
  console.log(`packed ${packed.filename}: ${packedFiles.length} files, ${packed.size} bytes`);

  run(bin('publint'), ['run', tarball, '--strict']);
  // Are the Types Wrong's node16 mode is TypeScript's model of Node 16, which
  // could not require() an ES module; Node >= 20.19 can, and TypeScript's
  // `module: nodenext` (checked by the consumer test's CommonJS app) allows
  // it. Every other rule applies, to every entry point.
  run(bin('attw'), [tarball, '--ignore-rules', 'cjs-resolves-to-esm']);

  const published = npmJson(['publish', '--dry-run']);
  const publishedFiles = filesOf(published[packed.name] ?? published);
  const missing = packedFiles.filter((file) => !publishedFiles.includes(file));
  const extra = publishedFiles.filter((file) => !packedFiles.includes(file));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `npm publish --dry-run would publish other files than npm pack packed: missing ${missing.join(', ') || 'none'}; extra ${extra.join(', ') || 'none'}`,
    );
  }
  console.log(`\nnpm publish --dry-run: the same ${publishedFiles.length} files as the tarball`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
