/** A short, safe description of any value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol') return value.toString();
  if (typeof value === 'object') {
    const ctor = (value as object).constructor;
    return Array.isArray(value) ? `an array of ${value.length}` : `an object (${ctor?.name ?? 'null prototype'})`;
  }
  return String(value);
}
