import { loadOptionalPeer } from '../utils/optional-peer.js';

/** The bullmq module's exports, as a type only: nothing of bullmq is loaded by importing this file. */
export type BullMqModule = typeof import('bullmq');

/** bullmq, loaded when a module with a `BullMqTransport` starts. */
export function loadBullMq(): BullMqModule {
  return loadOptionalPeer<BullMqModule>('bullmq', 'BullMqTransport');
}
