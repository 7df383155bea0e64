import type { DocExample } from './doc-examples.js';

/** What every app installs: a Nest 12 HTTP app, and the types of Node. */
const NEST_APP = ['@nestjs/common', '@nestjs/core', '@nestjs/platform-express', 'reflect-metadata', 'rxjs', '@types/node'] as const;

/**
 * The apps the consumer test makes, and which packages each installs besides
 * nestjs-asyncjob. `core` and `core-cjs` install none of the optional peers.
 */
export const APPS = {
  core: { kind: 'esm', dependencies: [...NEST_APP, '@nestjs/testing'] },
  'core-cjs': { kind: 'cjs', dependencies: [...NEST_APP, '@nestjs/testing'] },
  typeorm: { kind: 'esm', dependencies: [...NEST_APP, '@nestjs/typeorm', 'typeorm', 'pg', 'pg-boss'] },
  redis: { kind: 'esm', dependencies: [...NEST_APP, '@nestjs/config', 'ioredis', 'bullmq', 'typeorm'] },
} as const;

export type AppName = keyof typeof APPS;

/**
 * How a docs example becomes a file of an app: the imports a user's file
 * would already have (the docs leave them out), and, for a fragment, the
 * class or function it stands in. The example's own text goes in unchanged.
 */
interface ExampleUse {
  readonly apps: readonly AppName[];
  readonly file: string;
  readonly before?: string;
  readonly after?: string;
  /** An expression statement, bound to this exported name (placed after the example's own imports). */
  readonly exportAs?: string;
}

const CORE: readonly AppName[] = ['core', 'core-cjs'];

function controller(name: string, path: string, imports: string): Pick<ExampleUse, 'before' | 'after'> {
  return {
    before: `${imports}\nimport { AsyncJobService } from 'nestjs-asyncjob';\n\n@Controller('${path}')\nexport class ${name} {\n  constructor(private readonly jobs: AsyncJobService) {}\n\n`,
    after: '\n}\n',
  };
}

/** Every example of README.md and docs/, by the id of its `<!-- example: id -->` comment. */
export const EXAMPLE_USES: Readonly<Record<string, ExampleUse>> = {
  'quick-start/app.module': { apps: CORE, file: 'app.module.ts', before: "import { VideoController } from './video.controller.js';\n" },
  'quick-start/video.controller': { apps: CORE, file: 'video.controller.ts', before: "import { transcodeChunk } from './support.js';\n" },
  'quick-start/state': {
    apps: CORE,
    file: 'state.controller.ts',
    ...controller('StateController', 'progress', "import { Controller, Get, Query } from '@nestjs/common';"),
  },
  'quick-start/media.service': {
    apps: CORE,
    file: 'media.service.ts',
    before:
      "import { Injectable } from '@nestjs/common';\nimport { AsyncJob, AsyncJobService } from 'nestjs-asyncjob';\nimport { renderThumbnail } from './support.js';\n\n",
  },
  'quick-start/start': {
    apps: CORE,
    file: 'thumbnails.controller.ts',
    ...controller(
      'ThumbnailsController',
      'media',
      "import { Controller, Post } from '@nestjs/common';\nimport { MediaService } from './media.service.js';",
    ),
  },
  'recipes/testing': {
    apps: CORE,
    file: 'testing.example.ts',
    before:
      "import { Test } from '@nestjs/testing';\nimport { AsyncJobModule, AsyncJobService } from 'nestjs-asyncjob';\n" +
      "import { MediaService } from './media.service.js';\nimport { expect } from './support.js';\n\nexport async function testingExample(): Promise<void> {\n",
    after: '\n}\n',
  },
  'recipes/sse': {
    apps: CORE,
    file: 'sse.controller.ts',
    ...controller(
      'SseController',
      'events',
      "import { Controller, Param, Sse, type MessageEvent } from '@nestjs/common';\nimport { map, type Observable } from 'rxjs';",
    ),
  },
  'recipes/health': {
    apps: CORE,
    file: 'health.ts',
    before: "import type { AsyncJobService } from 'nestjs-asyncjob';\n\nexport function health(jobs: AsyncJobService) {\n",
    after: '\n  return { queued, running, paused, accepting };\n}\n',
  },
  'typeorm/per-call': {
    apps: CORE,
    file: 'transaction-options.ts',
    before:
      "import type { AsyncJobService } from 'nestjs-asyncjob';\nimport { sendNewsletter, settleAccounts } from './support.js';\n\n" +
      'export async function transactionOptions(jobs: AsyncJobService): Promise<void> {\n',
    after: '\n}\n',
  },
  'typeorm/app.module': { apps: ['typeorm'], file: 'app.module.ts', before: "import { Module } from '@nestjs/common';\n" },
  'typeorm/group.jobs': {
    apps: ['typeorm'],
    file: 'group.jobs.ts',
    before:
      "import { Injectable } from '@nestjs/common';\nimport { AsyncJob, AsyncJobService } from 'nestjs-asyncjob';\nimport { Group } from './support.js';\n\n",
  },
  'typeorm/per-job': {
    apps: ['typeorm'],
    file: 'report.jobs.ts',
    before:
      "import { Injectable } from '@nestjs/common';\nimport { AsyncJob, AsyncJobModule } from 'nestjs-asyncjob';\nimport { DataSource } from 'typeorm';\n\n" +
      "const dataSource = new DataSource({ type: 'postgres' });\n\n",
  },
  'typeorm/after-commit': {
    apps: ['typeorm'],
    file: 'groups.controller.ts',
    before:
      "import { Body, Controller, Post } from '@nestjs/common';\nimport { AsyncJobService } from 'nestjs-asyncjob';\nimport { DataSource } from 'typeorm';\n" +
      "import { GroupJobs } from './group.jobs.js';\nimport { Group, type CreateGroupDto } from './support.js';\n\n" +
      '@Controller()\nexport class GroupsController {\n  constructor(\n    private readonly dataSource: DataSource,\n    private readonly jobs: AsyncJobService,\n  ) {}\n\n',
    after: '\n}\n',
  },
  'typeorm/timed-query': {
    apps: ['typeorm'],
    file: 'late-reader.ts',
    before:
      "import { Injectable } from '@nestjs/common';\nimport { AsyncJobService } from 'nestjs-asyncjob';\nimport { Group } from './support.js';\n\n" +
      '@Injectable()\nexport class LateReader {\n  constructor(private readonly jobs: AsyncJobService) {}\n\n  async read(groupId: number): Promise<void> {\n',
    after: '\n  }\n}\n',
  },
  'recipes/custom-tracker': {
    apps: ['typeorm'],
    file: 'sql-progress-tracker.ts',
    before:
      "import { Injectable } from '@nestjs/common';\nimport { AsyncJobModule, type ProgressTracker } from 'nestjs-asyncjob';\nimport { DataSource } from 'typeorm';\n\n",
  },
  'postgres/app.module': { apps: ['typeorm'], file: 'postgres.module.ts', before: "import { Module } from '@nestjs/common';\n" },
  'postgres/pg-boss': { apps: ['typeorm'], file: 'pg-boss.module.ts', before: "import { Module } from '@nestjs/common';\n" },
  'postgres/start-in': {
    apps: ['typeorm'],
    file: 'groups-in-transaction.controller.ts',
    before:
      "import { Body, Controller, Post } from '@nestjs/common';\nimport { AsyncJobService } from 'nestjs-asyncjob';\nimport { DataSource } from 'typeorm';\n" +
      "import { GroupJobs } from './group.jobs.js';\nimport { Group, type CreateGroupDto } from './support.js';\n\n" +
      '@Controller()\nexport class GroupsInTransactionController {\n  constructor(\n    private readonly dataSource: DataSource,\n    private readonly jobs: AsyncJobService,\n  ) {}\n\n',
    after: '\n}\n',
  },
  // The app with bullmq (and ioredis, whose types the transport's options name).
  'postgres/bullmq': { apps: ['redis'], file: 'bullmq-postgres.module.ts', before: "import { Module } from '@nestjs/common';\n" },
  'redis/app.module': { apps: ['redis'], file: 'redis.module.ts', before: "import { Module } from '@nestjs/common';\n" },
  'redis/config': {
    apps: ['redis'],
    file: 'redis-config.ts',
    before:
      "import { ConfigModule, ConfigService } from '@nestjs/config';\nimport { AsyncJobModule } from 'nestjs-asyncjob';\nimport { RedisProgressTracker } from 'nestjs-asyncjob/redis';\n",
    exportAs: 'redisJobs',
  },
  'bullmq/config': {
    apps: ['redis'],
    file: 'bullmq-config.ts',
    before: "import { ConfigService } from '@nestjs/config';\nimport { DataSource } from 'typeorm';\n",
    exportAs: 'bullMqJobs',
  },
};

/** The example's text in its file: what the use puts around it, the text itself unchanged. */
function exampleSource(example: DocExample, use: ExampleUse): string {
  let code = example.code;
  if (use.exportAs) {
    const lines = code.split('\n');
    const first = lines.findIndex((line) => line.trim() !== '' && !line.startsWith('import '));
    lines[first] = `export const ${use.exportAs} = ${lines[first] ?? ''}`;
    code = lines.join('\n');
  }
  return `// ${example.where}, example ${example.id}\n${use.before ?? ''}${code}${use.after ?? '\n'}`;
}

/** The files of `app` that come from the docs. */
export function exampleFiles(app: AppName, examples: ReadonlyMap<string, DocExample>): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [id, use] of Object.entries(EXAMPLE_USES)) {
    if (!use.apps.includes(app)) continue;
    const example = examples.get(id);
    if (!example) throw new Error(`no docs example "${id}": its <!-- example: ${id} --> comment is gone from README.md and docs/`);
    files[use.file] = exampleSource(example, use);
  }
  return files;
}
