/** Token of the validated module options; internal, never exported. */
export const RESOLVED_OPTIONS = Symbol('asyncjob:resolved_options');

/** Prefix of every job id, kept from tgext.asyncjob for compatibility. */
export const JOB_ID_PREFIX = 'asyncjob_';
