// Column names are user data: `row[name] = v` with name "__proto__" would set the object's
// prototype instead of adding a column. Objects keyed by column names stay ordinary objects
// (callers compare and spread them), with that one key defined as an own property.

/** obj[key] = value as an own, enumerable property, whatever the key. */
export function setOwn<T extends object>(obj: T, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else (obj as Record<string, unknown>)[key] = value;
}
