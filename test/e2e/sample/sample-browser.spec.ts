import { copyFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './chromium.js';
import { GatedClock } from './gated-clock.js';
import { startSample, type RunningSample } from './sample-app.js';

const ARTIFACTS = fileURLToPath(new URL('../../artifacts/', import.meta.url));
const SCREENSHOT = `${ARTIFACTS}sample-page.png`;
/** Generous: the machine may be shared and slow; nothing here measures time. */
const DEADLINE = 120_000;

/** Every aria-valuenow each job's progress bar took, in order, by job id (see the recorder). */
const RECORDER = fileURLToPath(new URL('./progress-recorder.browser.js', import.meta.url));
const recorded = (page: Page, id: string): Promise<number[]> =>
  page.evaluate((jobId) => (globalThis as unknown as { __progress: Record<string, number[]> }).__progress[jobId] ?? [], id);

describe('sample app in a real browser (Chromium, headless)', { timeout: 3 * DEADLINE }, () => {
  let sample: RunningSample;
  let browser: Browser;
  let page: Page;
  // Short real pauses, so the bar moves through many values while the test watches.
  const clock = new GatedClock({ held: false, openMs: 40 });

  beforeAll(async () => {
    sample = await startSample({ clock, config: { stepMs: 40 } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    page.setDefaultTimeout(DEADLINE);
    await page.goto(sample.url);
    await page.locator('.media-option').first().waitFor();
    await page.addScriptTag({ path: RECORDER });
  }, DEADLINE);

  afterAll(async () => {
    clock.open();
    await browser?.close();
    await sample?.close();
  });

  /** Picks a file, presses Start, and returns the new job's row. */
  async function startJob(mediaName: string): Promise<{ id: string; row: Locator }> {
    const before = await page.locator('.job').count();
    await page.locator('.media-option', { hasText: mediaName }).click();
    await page.getByRole('button', { name: 'Start processing' }).click();
    await expect.poll(() => page.locator('.job').count(), { timeout: DEADLINE }).toBe(before + 1);
    const row = page.locator('.job').first();
    const id = (await row.getAttribute('data-job-id'))!;
    expect(id).toMatch(/^asyncjob_/);
    return { id, row: page.locator(`.job[data-job-id="${id}"]`) };
  }

  it('shows the page with the generated samples', async () => {
    await expect.poll(() => page.title(), { timeout: DEADLINE }).toContain('Framesmith');
    const names = await page.locator('.media-option .media-name').allTextContents();
    expect(names).toEqual(['Beach sunset.mp4', 'Product demo.mov', 'Team call.webm', 'Corrupted recording.avi']);
    expect(await page.locator('.media-option', { hasText: 'Corrupted' }).locator('.tag.danger').textContent()).toBe('fails on purpose');
    await expect.poll(() => page.locator('#instance').textContent(), { timeout: DEADLINE }).toContain('in memory');
  });

  it('runs a job: the bar goes from 0 to 100 live and the state becomes completed', async () => {
    const { id, row } = await startJob('Beach sunset.mp4');
    await row.locator('.badge', { hasText: 'completed' }).waitFor();
    expect(await row.getAttribute('data-state')).toBe('completed');
    const values = await recorded(page, id);
    expect(values[0]).toBe(0);
    expect(values.at(-1)).toBe(100);
    // Moved through the middle (live updates), and never backwards.
    expect(values.filter((value) => value > 0 && value < 100).length).toBeGreaterThanOrEqual(3);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(await row.locator('.job-percent').textContent()).toBe('100%');
    expect(await row.locator('.job-message').textContent()).toMatch(/^3 renditions \(1080p, 720p, 480p\) · 4 thumbnails · /);
    // The thumbnail the job wrote is shown, and it loaded.
    const thumbnail = row.locator('.job-thumb img');
    await thumbnail.waitFor();
    await expect
      .poll(
        () =>
          thumbnail.evaluate((img) =>
            (img as unknown as { complete: boolean }).complete ? (img as unknown as { naturalWidth: number }).naturalWidth : 0,
          ),
        { timeout: DEADLINE },
      )
      .toBeGreaterThan(0);
    expect(await row.locator('[data-action="cancel"]').isVisible()).toBe(false);
  });

  it('shows the failing job with its error', async () => {
    const { row } = await startJob('Corrupted recording.avi');
    await row.locator('.badge', { hasText: 'failed' }).waitFor();
    const message = await row.locator('.job-message').textContent();
    expect(message).toMatch(/^MediaDecodeError: Cannot decode frame at .* \(simulated failure\)$/);
    expect(await row.locator('.job-message').getAttribute('class')).toContain('job-error');
  });

  it('cancels a running job', async () => {
    // Held, the job stops at its first step: "running" for as long as the test needs.
    clock.hold();
    const { row } = await startJob('Product demo.mov');
    await row.locator('.badge', { hasText: 'running' }).waitFor();
    await row.locator('.job-message', { hasText: 'Probing Product demo.mov' }).waitFor();
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.locator('.badge', { hasText: 'cancelled' }).waitFor();
    expect(await row.locator('.job-message').textContent()).toBe('Cancelled during: Probing Product demo.mov');
    expect(await row.locator('[data-action="cancel"]').isVisible()).toBe(false);
    clock.open();
  });

  it('uploads a file, which becomes the selected item', async () => {
    await page.locator('#file-input').setInputFiles({ name: 'holiday.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(120_000, 7) });
    const option = page.locator('.media-option', { hasText: 'holiday.mp4' });
    await option.waitFor();
    expect(await option.locator('.tag.upload').textContent()).toBe('upload');
    expect(await option.locator('input').isChecked()).toBe(true);
  });

  it('keeps a screenshot of the finished page', async () => {
    await expect.poll(() => page.locator('.job').count(), { timeout: DEADLINE }).toBe(3);
    await sample.jobs.drain();
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // `UPDATE_SCREENSHOT=1 npx vitest run test/sample/sample-browser.spec.ts` refreshes the README's picture.
    if (process.env.UPDATE_SCREENSHOT === '1')
      copyFileSync(SCREENSHOT, fileURLToPath(new URL('../../../docs/screenshot.png', import.meta.url)));
  });
});
