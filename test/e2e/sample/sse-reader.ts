import { request } from 'node:http';

/** One Server-Sent Event, its `data` parsed as JSON. */
export interface SseEvent {
  readonly type: string;
  readonly data: unknown;
}

/**
 * Reads a Server-Sent Events response as it arrives (supertest would wait
 * for its end), so a test can act between two events.
 */
export class SseReader {
  private readonly events: SseEvent[] = [];
  private waiters: Array<() => void> = [];
  private buffer = '';
  private ended = false;
  private failure: Error | undefined;
  readonly ready: Promise<{ status: number; contentType: string }>;
  private close: () => void = () => undefined;

  constructor(url: string) {
    this.ready = new Promise((resolve, reject) => {
      const req = request(url, { headers: { Accept: 'text/event-stream' } }, (res) => {
        resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? '') });
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => this.push(chunk));
        res.on('end', () => this.finish());
        res.on('error', (error) => this.finish(error));
      });
      req.on('error', (error) => {
        reject(error);
        this.finish(error);
      });
      req.end();
      this.close = () => req.destroy();
    });
  }

  /** The next event; rejects when the stream ends first. */
  async next(): Promise<SseEvent> {
    while (this.events.length === 0) {
      if (this.failure) throw this.failure;
      if (this.ended) throw new Error('The event stream ended');
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
    return this.events.shift()!;
  }

  /** Every remaining event, once the server ends the stream. */
  async rest(): Promise<SseEvent[]> {
    while (!this.ended) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.failure) throw this.failure;
    return this.events.splice(0);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  destroy(): void {
    this.close();
  }

  private push(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let type = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) this.events.push({ type, data: parseData(data.join('\n')) });
    }
    this.wake();
  }

  private finish(error?: Error): void {
    this.ended = true;
    if (error && !this.failure) this.failure = error;
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

function parseData(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
