/**
 * Hands a store's methods of one part (the catalogue, retention) on to the object that holds
 * them, instead of a method per line: the store's class declares them through interface
 * merging, and its constructor binds them here. Used by the SQLite and Postgres stores alike.
 */

/** The method names of a port, as a list the compiler checks against the port. */
export function methodsOf<Port>() {
  return <const Names extends readonly (keyof Port & string)[]>(names: Names & ([keyof Port] extends [Names[number]] ? unknown : never)): Names => names;
}

/** Binds `names` of `source` onto `target`: `target.name(...)` calls `source.name(...)`. */
export function delegate<T extends object>(target: object, source: T, names: readonly (keyof T & string)[]): void {
  for (const name of names) {
    const method = source[name];
    if (typeof method !== "function") throw new TypeError(`${String(name)} is not a method of the part it is handed on to`);
    Object.defineProperty(target, name, { value: (method as (...args: unknown[]) => unknown).bind(source), enumerable: false, writable: true, configurable: true });
  }
}
