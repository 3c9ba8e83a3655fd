/** The routes with a fixed path; every other path is an image, an upload or a delete (by method). */
export const FIXED_ROUTES = {
  '/healthz': 'healthz',
  '/readyz': 'readyz',
  '/metrics': 'metrics',
  '/robots.txt': 'robots',
  '/favicon.ico': 'favicon',
  '/token': 'token',
} as const;

export type FixedRoute = (typeof FIXED_ROUTES)[keyof typeof FIXED_ROUTES];

export function fixedRoute(path: string): FixedRoute | undefined {
  return Object.hasOwn(FIXED_ROUTES, path) ? FIXED_ROUTES[path as keyof typeof FIXED_ROUTES] : undefined;
}
