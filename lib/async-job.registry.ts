import { Injectable } from '@nestjs/common';
import { DuplicateJobNameError } from './errors/duplicate-job-name.error.js';
import { JobNotRegisteredError } from './errors/job-not-registered.error.js';
import type { JobDefinition } from './job-definition.types.js';

/**
 * The application's named jobs, filled at bootstrap by the explorer. A name
 * is how a job is found again, by class and method from typed code, or by
 * name alone (which is what can cross a process boundary).
 */
@Injectable()
export class JobRegistry {
  private readonly byName = new Map<string, JobDefinition>();
  private readonly byType = new Map<Function, Map<string, JobDefinition>>();

  register(definition: JobDefinition): void {
    const existing = this.byName.get(definition.name);
    if (existing) throw new DuplicateJobNameError(definition.name, describe(existing), describe(definition));
    this.byName.set(definition.name, definition);
    let methods = this.byType.get(definition.type);
    if (!methods) this.byType.set(definition.type, (methods = new Map()));
    methods.set(definition.methodName, definition);
  }

  /** The definition of `type.methodName`; throws {@link JobNotRegisteredError} when there is none. */
  get(type: Function, methodName: string): JobDefinition {
    const definition = this.byType.get(type)?.get(methodName);
    if (!definition) throw JobNotRegisteredError.forMethod(type.name || '(anonymous class)', methodName);
    return definition;
  }

  getByName(name: string): JobDefinition | undefined {
    return this.byName.get(name);
  }

  get names(): string[] {
    return [...this.byName.keys()];
  }
}

function describe(definition: JobDefinition): string {
  return `${definition.type.name}.${definition.methodName}`;
}
