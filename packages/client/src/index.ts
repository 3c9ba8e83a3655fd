// The package's main entry: the service's own URL grammar (src/domain/image-url.ts), compiled into this
// package rather than copied, so a URL built here is one the service parses back to the same request.
// Pure functions, no I/O, no Node built-ins: safe in a browser bundle (ADR 0031).
export * from '../../../src/domain/image-url.js';
