// Stand-ins for the app's own work, which the docs' examples call.

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function transcodeChunk(file: string, step: number): Promise<void> {
  if (!file || step < 1) throw new Error('bad chunk');
  await pause(2);
}

export async function renderThumbnail(file: string, size: number, signal: AbortSignal): Promise<string> {
  signal.throwIfAborted();
  await pause(2);
  return `${file}@${size}.png`;
}

export async function sendNewsletter(): Promise<void> {}

export async function settleAccounts(): Promise<void> {}

/** The part of Vitest's `expect` that the testing recipe uses. */
export function expect(actual: unknown): { toBe(expected: unknown): void } {
  return {
    toBe(expected) {
      if (actual !== expected) throw new Error(`expected ${String(expected)}, got ${String(actual)}`);
    },
  };
}
