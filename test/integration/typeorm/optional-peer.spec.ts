import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LIB = fileURLToPath(new URL('../../../lib', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('typeorm stays an optional peer dependency', () => {
  it('is imported by lib for its types only, so loading nestjs-asyncjob never loads typeorm', () => {
    const valueImports = sources(LIB).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const statements = [
        ...text.matchAll(/\b(?:import|export)\b[^;]*?\bfrom\s*['"]typeorm(?:\/[^'"]*)?['"]/g),
        ...text.matchAll(/\b(?:require|import)\(\s*['"]typeorm/g),
      ].map((match) => match[0]);
      return statements
        .filter((statement) => !/^(?:import|export)\s+type\s/.test(statement))
        .map((statement) => `${relative(LIB, file)}: ${statement.replace(/\s+/g, ' ')}`);
    });
    expect(valueImports).toEqual([]);
  });
});
