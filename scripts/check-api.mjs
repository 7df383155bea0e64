// Checks the public API of every entry point against its API Extractor report
// in etc/ (npm run api:check), or writes the reports (npm run api:update,
// `--update`). Both npm scripts build dist/lib first; this script analyses
// the .d.ts files there.
//
// The configs: api-extractor.json (the main entry point) and
// etc/api-extractor.<subpath>.json (one per subpath entry point, extending
// it). Every entry point in package.json "exports" must have one.
//
// Without --update it fails when a report differs from the committed one, or
// when API Extractor reports an error. Warnings that are not report
// differences (they are printed) do not fail it.
import { CompilerState, Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const update = process.argv.includes('--update');
const unknownArgs = process.argv.slice(2).filter((arg) => arg !== '--update');
if (unknownArgs.length > 0) {
  console.error(`usage: node scripts/check-api.mjs [--update] (unknown: ${unknownArgs.join(' ')})`);
  process.exit(2);
}

const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const rel = (path) => relative(root, path).split('\\').join('/');

// The entry points by their declaration file: "nestjs-asyncjob", "nestjs-asyncjob/redis", ...
const entryPointsByTypes = new Map();
for (const [subpath, target] of Object.entries(packageJson.exports)) {
  if (typeof target !== 'object' || !target.types) continue;
  entryPointsByTypes.set(resolve(root, target.types), join(packageJson.name, subpath).split('\\').join('/'));
}

const configFiles = [
  join(root, 'api-extractor.json'),
  ...readdirSync(join(root, 'etc'))
    .filter((file) => /^api-extractor\..+\.json$/.test(file))
    .sort()
    .map((file) => join(root, 'etc', file)),
];
const entries = configFiles.map((configFile) => {
  const config = ExtractorConfig.loadFileAndPrepare(configFile);
  const entryPoint = entryPointsByTypes.get(config.mainEntryPointFilePath);
  if (!entryPoint) {
    throw new Error(
      `${rel(configFile)}: ${rel(config.mainEntryPointFilePath)} is not the "types" of an entry point in package.json "exports"`,
    );
  }
  if (!existsSync(config.mainEntryPointFilePath)) {
    throw new Error(`${rel(config.mainEntryPointFilePath)} is missing: build first (npm run build), or use npm run api:check / api:update`);
  }
  return { entryPoint, configFile, config };
});
const uncovered = [...entryPointsByTypes].filter(([types]) => !entries.some((entry) => entry.config.mainEntryPointFilePath === types));
if (uncovered.length > 0) {
  throw new Error(
    `no API Extractor config for ${uncovered.map(([, entryPoint]) => entryPoint).join(', ')}: add etc/api-extractor.<subpath>.json (see etc/api-extractor.redis.json)`,
  );
}

const started = Date.now();
// One TypeScript program for all the entry points (they share the compiler settings).
const compilerState = CompilerState.create(entries[0].config, {
  additionalEntryPoints: entries.map((entry) => entry.config.mainEntryPointFilePath),
});

// API Extractor's own messages about the report file tell one to copy it or to
// "perform a local build"; this script says what to do instead.
const reportMessages = new Set([
  'console-preamble',
  'console-api-report-not-copied',
  'console-api-report-copied',
  'console-api-report-created',
]);

const changed = [];
const failed = [];
for (const { entryPoint, config } of entries) {
  const [reportConfig] = config.reportConfigs;
  const report = join(config.reportFolder, reportConfig.fileName);
  const thisRun = join(config.reportTempFolder, reportConfig.fileName);
  const reportExisted = existsSync(report);
  let difference = '';
  const result = Extractor.invoke(config, {
    compilerState,
    localBuild: update,
    printApiReportDiff: !update,
    messageCallback(message) {
      if (reportMessages.has(message.messageId)) {
        message.handled = true;
      } else if (message.messageId === 'console-api-report-diff') {
        // Printed below, after the entry point's name; not a warning of its own.
        difference = message.text;
        message.logLevel = ExtractorLogLevel.Info;
        message.handled = true;
      }
    },
  });
  // Types its public signatures use that it does not export: listed in the report, named here.
  const forgotten = [
    ...new Set(Array.from(readFileSync(thisRun, 'utf8').matchAll(/\(ae-forgotten-export\) The symbol "([^"]+)"/g), (match) => match[1])),
  ];
  const forgottenNote = forgotten.length > 0 ? `; forgotten exports (ae-forgotten-export, in the report): ${forgotten.join(', ')}` : '';
  if (result.errorCount > 0) {
    failed.push(entryPoint);
    console.error(`${entryPoint}: API Extractor reported ${result.errorCount} error(s), above`);
  }
  if (result.apiReportChanged) {
    changed.push(entryPoint);
    console.log(
      update
        ? `${entryPoint}: ${rel(report)} ${reportExisted ? 'updated' : 'written (new: add it to git)'}${forgottenNote}`
        : reportExisted
          ? `${entryPoint}: the public API differs from ${rel(report)} (this build's report: ${rel(thisRun)})${forgottenNote}\n${difference}`
          : `${entryPoint}: ${rel(report)} is missing (this build's report: ${rel(thisRun)})${forgottenNote}`,
    );
  } else {
    console.log(`${entryPoint}: ${rel(report)} is up to date${forgottenNote}`);
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(1);

if (failed.length > 0) {
  console.error(`\nAPI Extractor failed for ${failed.join(', ')}.`);
  process.exit(1);
}
if (update) {
  console.log(
    `\n${changed.length > 0 ? `Updated the report of ${changed.join(', ')}: review and commit etc/.` : 'Every report is up to date.'} (${seconds} s)`,
  );
} else if (changed.length > 0) {
  console.error(
    `\nThe public API differs from the committed report in etc/ for: ${changed.join(', ')}.` +
      '\nIf the change is intended, run `npm run api:update` and commit the updated etc/*.api.md.',
  );
  process.exit(1);
} else {
  console.log(`\nThe public API of every entry point matches its report in etc/. (${seconds} s)`);
}
