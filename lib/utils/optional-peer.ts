import { createRequire } from 'node:module';
import { MissingPeerError } from '../errors/missing-peer.error.js';

const requireFromHere = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/**
 * Loads an optional peer dependency on first use. The package's entry point
 * must load without them, so they are required when the feature that needs
 * one starts, never imported statically. `require` (ioredis and bullmq ship
 * CommonJS builds) keeps that start synchronous, and lets bullmq and the
 * Redis tracker share one ioredis instance.
 *
 * @param name the package, e.g. `ioredis`.
 * @param feature what needs it, for the error when it is missing.
 */
export function loadOptionalPeer<T>(name: string, feature: string): T {
  if (loaded.has(name)) return loaded.get(name) as T;
  try {
    const module = requireFromHere(name) as T;
    loaded.set(name, module);
    return module;
  } catch (error) {
    throw new MissingPeerError(name, feature, error);
  }
}
