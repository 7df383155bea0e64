import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ASYNC_JOB_METADATA } from './async-job.constants.js';
import { RESOLVED_OPTIONS } from './async-job.internal-constants.js';
import { resolveJobOptions } from './async-job-options.resolver.js';
import type { ResolvedModuleOptions } from './async-job-options.types.js';
import { JobRegistry } from './async-job.registry.js';
import type { AsyncJobOptions } from './interfaces/async-job-options.interface.js';
import { declaresSynchronousResult } from './utils/declared-synchronous.js';

/**
 * Finds every `@AsyncJob` method of the application's providers at
 * bootstrap and registers it by name. Runs in `onModuleInit`, when every
 * provider has been instantiated and before any request can start a job.
 */
@Injectable()
export class AsyncJobExplorer implements OnModuleInit {
  private readonly logger = new Logger('AsyncJob');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly registry: JobRegistry,
    @Inject(RESOLVED_OPTIONS) private readonly options: ResolvedModuleOptions,
  ) {}

  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      if (!wrapper.isDependencyTreeStatic()) {
        this.warnIfScoped(wrapper.metatype, wrapper.name);
        continue;
      }
      const instance: unknown = wrapper.instance;
      // useExisting aliases and re-exports show one instance several times.
      if (typeof instance !== 'object' || instance === null || seen.has(instance)) continue;
      seen.add(instance);
      this.registerMethods(instance);
    }
  }

  private registerMethods(instance: object): void {
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
    if (!prototype) return;
    // The class, not the provider's metatype: for useFactory/useValue
    // providers the metatype is a factory or absent.
    const type = instance.constructor as abstract new (...args: never[]) => unknown;
    for (const methodName of this.scanner.getAllMethodNames(prototype)) {
      const metadata = this.metadataOf(prototype[methodName]);
      if (!metadata) continue;
      const name = metadata.name ?? `${type.name}.${methodName}`;
      const target = instance as Record<string, (...args: never[]) => unknown>;
      this.registry.register({
        name,
        type,
        methodName,
        options: resolveJobOptions(metadata, this.options.defaultJobOptions, `@AsyncJob(${name}).`),
        run: (...args: never[]): unknown => target[methodName]!(...args),
        synchronous: declaresSynchronousResult(prototype, methodName),
      });
    }
  }

  private warnIfScoped(metatype: unknown, providerName: unknown): void {
    const prototype = typeof metatype === 'function' ? (metatype.prototype as Record<string, unknown> | undefined) : undefined;
    if (!prototype) return;
    const jobs = this.scanner.getAllMethodNames(prototype).filter((method) => this.metadataOf(prototype[method]));
    if (jobs.length > 0) {
      this.logger.warn(
        `${String(providerName)} is request-scoped or transient, so its @AsyncJob methods (${jobs.join(', ')}) ` +
          'are not registered: a background job outlives the request. Make the provider a singleton.',
      );
    }
  }

  private metadataOf(method: unknown): AsyncJobOptions | undefined {
    return typeof method === 'function' ? this.reflector.get<AsyncJobOptions | undefined>(ASYNC_JOB_METADATA, method) : undefined;
  }
}
