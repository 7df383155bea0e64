// Starts a consumer app's root module on $PORT and says so on stdout, where the test waits for it.
import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';

export function serve(rootModule: Type<unknown>, beforeStart: () => Promise<void> = async () => {}): void {
  const bootstrap = async (): Promise<void> => {
    await beforeStart();
    const app = await NestFactory.create(rootModule, { logger: ['error', 'warn'] });
    app.enableShutdownHooks();
    const port = Number(process.env.PORT);
    await app.listen(port, '127.0.0.1');
    console.log(`listening on ${port}`);
  };
  bootstrap().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
