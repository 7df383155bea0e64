import { fileURLToPath } from 'node:url';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The sample imports the library by its package name and entry points, as a user would.
    alias: [
      { find: /^nestjs-asyncjob$/, replacement: fileURLToPath(new URL('./lib/index.ts', import.meta.url)) },
      {
        find: /^nestjs-asyncjob\/(typeorm|redis|bullmq|postgres|pg-boss)$/,
        replacement: fileURLToPath(new URL('./lib/', import.meta.url)) + '$1/index.ts',
      },
    ],
  },
  // esbuild cannot emit decorator metadata, which Nest's injection by type needs.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  test: {
    include: ['test/**/*.spec.ts'],
    setupFiles: ['reflect-metadata'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
