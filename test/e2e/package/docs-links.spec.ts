import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { docPages } from './doc-examples.js';
import { PROJECT_ROOT } from './packed-package.js';

/** A link of a page to a file of the repository (the page itself for a bare `#anchor`), not to the web. */
interface RelativeLink {
  /** Where it stands, for messages: `README.md:42`. */
  readonly where: string;
  /** As written. */
  readonly target: string;
  /** The absolute path it points to. */
  readonly file: string;
  readonly anchor: string | undefined;
}

const FENCE = /^\s*(```+|~~~+)/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/;
const INLINE_LINK = /\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const REFERENCE_DEFINITION = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/;
const HTML_ANCHOR = /<a\s[^>]*\b(?:id|name)="([^"]+)"/g;
const CODE_SPAN = /(`+)(.*?[^`]|[^`])\1(?!`)/g;
const SCHEME = /^[a-z][a-z\d+.-]*:/i;

/** The page's lines outside fenced code blocks, numbered from 1: a link or a heading in a code block is only text. */
function proseLines(text: string): Array<{ readonly line: string; readonly number: number }> {
  const prose: Array<{ line: string; number: number }> = [];
  let fence: string | undefined;
  text.split('\n').forEach((line, i) => {
    const found = FENCE.exec(line);
    if (fence !== undefined) {
      if (found && line.trim().startsWith(fence) && line.trim().replace(/[`~]/g, '') === '') fence = undefined;
    } else if (found) {
      fence = found[1];
    } else {
      prose.push({ line, number: i + 1 });
    }
  });
  return prose;
}

/**
 * The text GitHub renders for a heading's Markdown: code spans keep their
 * content, link and emphasis markup goes. Underscores inside a word are text
 * (`snake_case`), elsewhere emphasis.
 */
function headingText(markdown: string): string {
  const spans: string[] = [];
  const withoutCode = markdown.replace(CODE_SPAN, (_match, _ticks, code: string) => `\uE000${spans.push(code.trim()) - 1}\uE000`);
  return withoutCode
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/\*+/g, '')
    .replace(/(?<![\p{L}\p{N}])_+|_+(?![\p{L}\p{N}])/gu, '')
    .replace(/\uE000(\d+)\uE000/g, (_match, index: string) => spans[Number(index)] ?? '');
}

/**
 * A heading's anchor as GitHub (github-slugger) makes it: lower case, every
 * character but letters, digits, `_`, `-` and spaces dropped, each space a
 * hyphen.
 */
function githubSlug(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors of a page: one per heading (a repeated slug gets `-1`, `-2`… as on GitHub), and explicit `<a id>`s. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const { line } of proseLines(text)) {
    for (const found of line.matchAll(HTML_ANCHOR)) anchors.add(found[1] ?? '');
    const heading = HEADING.exec(line);
    if (!heading) continue;
    const base = githubSlug(headingText(heading[2] ?? ''));
    let slug = base;
    while (anchors.has(slug)) {
      const count = (seen.get(base) ?? 0) + 1;
      seen.set(base, count);
      slug = `${base}-${count}`;
    }
    anchors.add(slug);
  }
  return anchors;
}

/** The links of `page` to files of the repository: inline links, images and reference definitions outside code. */
function relativeLinks(page: string): RelativeLink[] {
  const links: RelativeLink[] = [];
  for (const { line, number } of proseLines(readFileSync(page, 'utf8'))) {
    // A code span shows Markdown rather than linking: `[text](target)` in backticks is text.
    const prose = line.replace(CODE_SPAN, 'code');
    const targets = [...prose.matchAll(INLINE_LINK)].map((found) => found[1] ?? '');
    const definition = REFERENCE_DEFINITION.exec(prose);
    if (definition) targets.push(definition[1] ?? '');
    for (const written of targets) {
      const target = written.replace(/^<|>$/g, '');
      if (SCHEME.test(target) || target.startsWith('//')) continue;
      const hash = target.indexOf('#');
      const path = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : target.slice(hash + 1);
      const file = path === '' ? page : path.startsWith('/') ? join(PROJECT_ROOT, path) : resolve(dirname(page), path);
      links.push({ where: `${relative(PROJECT_ROOT, page)}:${number}`, target: written, file, anchor });
    }
  }
  return links;
}

function report(title: string, broken: readonly string[]): string {
  return `${title}:\n  ${broken.join('\n  ')}\n`;
}

const pages = docPages(PROJECT_ROOT);
const readme = join(PROJECT_ROOT, 'README.md');
const links = pages.flatMap(relativeLinks);

describe('the links of README.md and docs/', () => {
  it('slugs headings as GitHub does', () => {
    const slugs = (markdown: string) => [...anchorsOf(markdown)];
    expect(slugs('## TypeORM: a transaction per job')).toEqual(['typeorm-a-transaction-per-job']);
    expect(slugs('## Coming from tgext.asyncjob')).toEqual(['coming-from-tgextasyncjob']);
    expect(slugs('### `@AsyncJob(nameOrOptions?)`')).toEqual(['asyncjobnameoroptions']);
    expect(slugs('### `perform(closure)` stays local')).toEqual(['performclosure-stays-local']);
    expect(slugs('### Tested (test/bullmq/)')).toEqual(['tested-testbullmq']);
    expect(slugs('### `snake_case`, **bold** and _emphasis_ in [a link](x.md)')).toEqual(['snake_case-bold-and-emphasis-in-a-link']);
    expect(slugs('# Options\n## Options\n```sh\n# not a heading\n```\n## Options-1\n## Options')).toEqual([
      'options',
      'options-1',
      'options-1-1',
      'options-2',
    ]);
  });

  it('README.md links to every page of docs/', () => {
    const linked = new Set(relativeLinks(readme).map((link) => link.file));
    const unlinked = pages.filter((page) => page !== readme && !linked.has(page)).map((page) => relative(PROJECT_ROOT, page));
    expect(unlinked, report('docs pages README.md does not link to', unlinked)).toEqual([]);
  });

  it('every relative link points to a file or folder of the repository', () => {
    const broken = links
      .filter((link) => !existsSync(link.file) || relative(PROJECT_ROOT, link.file).startsWith('..'))
      .map((link) => `${link.where}: ${link.target} (no ${relative(PROJECT_ROOT, link.file)} in the repository)`);
    expect(broken, report('links to files that do not exist', broken)).toEqual([]);
  });

  it('every #anchor names a heading of the page it points to', () => {
    const anchors = new Map<string, Set<string>>();
    const anchorsOfFile = (file: string) => {
      let found = anchors.get(file);
      if (!found) anchors.set(file, (found = anchorsOf(readFileSync(file, 'utf8'))));
      return found;
    };
    const broken = links
      // Anchors of other files (a line of a source file, say) are GitHub's, not headings.
      .filter((link) => link.anchor !== undefined && link.file.endsWith('.md') && existsSync(link.file))
      .filter((link) => !anchorsOfFile(link.file).has(link.anchor ?? ''))
      .map((link) => `${link.where}: ${link.target} (no heading "#${link.anchor}" in ${relative(PROJECT_ROOT, link.file)})`);
    expect(broken, report('links to headings that do not exist', broken)).toEqual([]);
  });
});
