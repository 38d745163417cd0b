/**
 * `make`, remembered for the last arguments: the pools of a large topology mostly share their
 * settings, so their notes, parameter lists and default-server lines come out as one string (or
 * list) each instead of 10,000 equal copies, without hashing the text to find the copy.
 */
export function lastOf<A extends readonly unknown[], R>(make: (...args: A) => R): (...args: A) => R {
  let lastArgs: A | undefined;
  let lastValue: R;
  return (...args: A): R => {
    if (lastArgs === undefined || !same(lastArgs, args)) {
      lastValue = make(...args);
      lastArgs = args;
    }
    return lastValue;
  };
}

function same(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
