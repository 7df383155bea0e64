import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder of the page's static files. They are not compiled, so they stay
 * in `sample/public`: beside this file when it runs from the sources (tests),
 * two levels up and across when it runs from the build (`dist/sample`).
 */
export function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'public'), join(here, '..', '..', 'sample', 'public')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`The sample's page was not found in ${candidates.join(' or ')}`);
  return found;
}
