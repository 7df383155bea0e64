import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PROJECT_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What packing a checkout of the project gave. */
export interface PackedPackage {
  /** The tarball's path. */
  readonly tarball: string;
  /** Its files, as npm lists them. */
  readonly files: readonly string[];
}

/** What a fresh clone holds that packing reads: the sources and the build settings, no dist/. */
const PACKED_FROM = ['lib', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'README.md', 'LICENSE'];

/**
 * Packs the project as a fresh clone would be packed: its sources copied to a
 * temporary folder with no build in it, then `npm pack` (whose `prepack`
 * builds the library). Working in a copy keeps the tests that build the
 * sample in this checkout from racing with it.
 */
export async function packProject(workDir: string): Promise<PackedPackage> {
  const clone = mkdtempSync(join(tmpdir(), 'asyncjob-clone-'));
  for (const entry of PACKED_FROM) cpSync(join(PROJECT_ROOT, entry), join(clone, entry), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', workDir], {
    cwd: clone,
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  }).finally(() => rmSync(clone, { recursive: true, force: true }));
  // The prepack script's own output comes before npm's JSON.
  const report = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as Array<{ filename: string; files: Array<{ path: string }> }>;
  const [packed] = report;
  if (!packed) throw new Error(`npm pack reported no package: ${stdout}`);
  return { tarball: join(workDir, packed.filename), files: packed.files.map((file) => file.path).sort() };
}
