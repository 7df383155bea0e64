import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/** A TypeScript block of the docs, as a user would paste it. */
export interface DocExample {
  /** The id given by the `<!-- example: id -->` comment just above the block. */
  readonly id: string;
  readonly code: string;
  /** Where it stands, for messages: `README.md:42`. */
  readonly where: string;
}

/** Every ```ts block of the docs, and the ones that carry no example id. */
export interface DocExamples {
  readonly examples: ReadonlyMap<string, DocExample>;
  readonly unmarked: readonly string[];
  readonly duplicates: readonly string[];
}

const MARKER = /^<!-- example: ([\w./-]+) -->$/;
const FENCE = /^(\s*)(```+|~~~+)\s*(\S*)/;

/** The README and every page under docs/ of the project at `root`. */
export function docPages(root: string): string[] {
  const docs = join(root, 'docs');
  return [
    join(root, 'README.md'),
    ...readdirSync(docs)
      .filter((name) => name.endsWith('.md'))
      .map((name) => join(docs, name)),
  ];
}

/**
 * Reads the ```ts blocks of `files`. Each must follow (blank lines aside) a
 * `<!-- example: id -->` comment: the consumer apps compile it under that id.
 */
export function readDocExamples(root: string, files: readonly string[]): DocExamples {
  const examples = new Map<string, DocExample>();
  const unmarked: string[] = [];
  const duplicates: string[] = [];
  for (const file of files) {
    const lines = readFileSync(file, 'utf8').split('\n');
    const name = relative(root, file);
    let marker: string | undefined;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      const fence = FENCE.exec(line);
      if (!fence) {
        const found = MARKER.exec(line.trim());
        if (found) marker = found[1];
        else if (line.trim() !== '') marker = undefined;
        continue;
      }
      const [, indent = '', ticks = '```', lang = ''] = fence;
      const body: string[] = [];
      const start = i + 1;
      for (i++; i < lines.length && !(lines[i] ?? '').trimStart().startsWith(ticks); i++) {
        body.push((lines[i] ?? '').slice(indent.length));
      }
      if (lang === 'ts' || lang === 'typescript') {
        const where = `${name}:${start}`;
        if (marker === undefined) unmarked.push(where);
        else if (examples.has(marker)) duplicates.push(`${marker} (${where})`);
        else examples.set(marker, { id: marker, code: body.join('\n'), where });
      }
      marker = undefined;
    }
  }
  return { examples, unmarked, duplicates };
}
