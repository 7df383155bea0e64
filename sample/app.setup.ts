import type { NestExpressApplication } from '@nestjs/platform-express';
import { publicDir } from './public-dir.js';

/** What main.ts and the tests both apply to the app, so the tests run what users run. */
export function configureApp(app: NestExpressApplication): NestExpressApplication {
  app.disable('x-powered-by');
  app.useStaticAssets(publicDir(), { index: 'index.html' });
  return app;
}
