/** The failure the sample's corrupted recording runs into, on purpose. */
export class MediaDecodeError extends Error {
  override readonly name = 'MediaDecodeError';
}
