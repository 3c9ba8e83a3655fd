/**
 * The cloud SDKs, knex and `pg` are imported only when the configuration chooses their driver (ADR 0029):
 * importing the package, or running the default configuration, never loads what it does not use. A
 * driver's module is therefore imported asynchronously while the container is built synchronously; the
 * ports bound for it wait for that import on their first call (`deferredPort`), and the driver module
 * adds a start-up task that awaits it, so a missing package stops `start()` with a message naming it.
 */

/** A port whose every member is a method returning a promise: a call can wait for a driver still loading. */
type AsyncPort<T> = { readonly [K in keyof T]: (...args: never[]) => Promise<unknown> };

function missingPackageOf(error: unknown, packages: readonly string[]): string | undefined {
  if (!(error instanceof Error) || (error as NodeJS.ErrnoException).code !== 'ERR_MODULE_NOT_FOUND') return undefined;
  return packages.find((name) => error.message.includes(`'${name}'`));
}

/**
 * Starts `load()` (the driver's dynamic imports and construction) and returns its promise, already
 * marked as handled: a failure is reported by the start-up task and by every call of the driver's
 * ports, never as an unhandled rejection that would end the process. A package that is not installed
 * becomes an error that says which setting needs it and how to install it.
 */
export function loadDriver<T>(setting: string, packages: readonly string[], load: () => Promise<T>): Promise<T> {
  const loading = load().catch((error: unknown) => {
    const missing = missingPackageOf(error, packages);
    if (missing === undefined) throw error;
    throw new Error(
      `${setting} needs the package ${missing}, which is not installed (it is an optional dependency): npm install ${packages.join(' ')}`,
      { cause: error },
    );
  });
  loading.catch(() => undefined);
  return loading;
}

/**
 * A stand-in for a port whose driver is still loading: each method call waits for the driver, then
 * runs on it (with the driver as `this`). Only methods are forwarded; `then` stays undefined so that
 * the stand-in is never mistaken for a promise (the container checks for one).
 *
 * Optional methods (such as `OriginalStore.local`, which only a folder has) are absent once the driver has
 * loaded and lacks them, as on the driver itself; a call made before that, to a method the driver turns out
 * not to have, answers `undefined`, as the optional call `port.method?.()` would have.
 */
export function deferredPort<T extends AsyncPort<T>>(loading: Promise<T>): T {
  let loaded: object | undefined;
  // A driver that failed to load is reported by each call (and the start-up task), not as unhandled.
  loading.then(
    (port) => {
      loaded = port;
    },
    () => undefined,
  );
  return new Proxy({} as T, {
    get(_target, property) {
      if (property === 'then' || typeof property === 'symbol') return undefined;
      if (loaded !== undefined && typeof Reflect.get(loaded, property) !== 'function') return undefined;
      return async (...args: unknown[]): Promise<unknown> => {
        const port: object = await loading;
        const method = Reflect.get(port, property) as ((...parameters: unknown[]) => unknown) | undefined;
        return typeof method === 'function' ? Reflect.apply(method, port, args) : undefined;
      };
    },
  });
}

/** Runs `release` on the driver once it has loaded; a driver that failed to load holds nothing. */
export async function releaseWhenLoaded<T>(loading: Promise<T>, release: (driver: T) => unknown): Promise<void> {
  const driver = await loading.catch(() => undefined);
  if (driver !== undefined) await release(driver);
}
