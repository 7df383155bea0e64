import { createHash } from 'node:crypto';
import { formatTimestamp } from './processing-plan.js';

/**
 * Draws the thumbnail a real pipeline would grab from the video: here, a
 * small landscape whose colours come from the item and the frame time, so
 * every item gets its own recognisable pictures. Only numbers go into the
 * SVG, never user input, so it is safe to serve as an image.
 */
export function thumbnailSvg(mediaId: string, atSec: number, width = 320, height = 180): string {
  const hash = createHash('sha256').update(mediaId).digest();
  const hue = ((hash[0] ?? 0) * 360) / 256;
  const shift = (atSec * 7) % 60;
  const sky1 = `hsl(${round(hue + shift)} 70% 62%)`;
  const sky2 = `hsl(${round(hue + shift + 40)} 65% 38%)`;
  const hill = `hsl(${round(hue + 180)} 35% 22%)`;
  const sunX = round(40 + (((hash[1] ?? 0) + atSec * 13) % 240));
  const sunY = round(50 + ((hash[2] ?? 0) % 40));
  const ridge = Array.from({ length: 9 }, (_, i) => {
    const x = round((i * width) / 8);
    const y = round(height * 0.62 + (((hash[3 + i] ?? 0) + atSec) % 40) - 20);
    return `${x},${y}`;
  }).join(' ');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${sky1}"/><stop offset="1" stop-color="${sky2}"/></linearGradient></defs>`,
    `<rect width="${width}" height="${height}" fill="url(#g)"/>`,
    `<circle cx="${sunX}" cy="${sunY}" r="18" fill="#fff7d6" opacity="0.85"/>`,
    `<polygon points="0,${height} ${ridge} ${width},${height}" fill="${hill}"/>`,
    `<rect x="${width - 58}" y="${height - 28}" width="50" height="20" rx="4" fill="#000" opacity="0.55"/>`,
    `<text x="${width - 33}" y="${height - 14}" font-family="sans-serif" font-size="12" fill="#fff" text-anchor="middle">${formatTimestamp(atSec)}</text>`,
    `</svg>`,
  ].join('');
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
