/** Generated samples have slugs, uploads UUIDs: both match this. */
export const MEDIA_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function isMediaId(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_ID_PATTERN.test(value);
}
