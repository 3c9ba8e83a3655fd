import { ImageRequest } from '../../domain/image-request.js';
import { ApplicationError } from '../../application/application-error.js';
import { DomainError } from '../../domain/domain-error.js';
import type { GetRendition } from '../../application/use-cases/get-rendition.js';
import type { Config } from '../config/config-schema.js';
import { TOKENS } from '../di/tokens.js';
import { configOf, withApplication } from './cli-context.js';
import { EXIT, stringOption, UsageError, type Command } from './command.js';

/** `400x300`, `400x0@2x`, `800x600@1.5x.avif`: a box, an optional device pixel ratio, an optional format. */
const SIZE = /^(\d+)x(\d+)(?:@(\d+(?:\.\d+)?)x)?(?:\.([a-z]+))?$/;

/** The URL path a size stands for, so that it is checked by the very grammar image URLs are checked by. */
export function pathOfSize(id: string, size: string, format: string): string {
  const match = SIZE.exec(size);
  if (match === null) throw new UsageError(`size ${JSON.stringify(size)} is not WxH[@Sx][.format], e.g. 400x300, 400x0@2x or 800x600.webp`);
  const [, width, height, scale, ext] = match;
  return `/${id}_${width}_${height}${scale === undefined ? '' : `_${scale}x`}.${ext ?? format}`;
}

async function prerenderOne(getRendition: GetRendition, config: Config, urlPath: string, query: string): Promise<string> {
  const parsed = ImageRequest.parse(urlPath, query, config.limits);
  if (parsed.kind === 'invalid') throw parsed.error;
  const request = parsed.kind === 'redirect' ? parsed.target : parsed.request;
  const note = parsed.kind === 'redirect' ? ` (requests for it are redirected here: ${parsed.reason})` : '';
  const result = await getRendition.execute({ request, accepts: new Set(), delivery: 'proxy' });
  const output = result.rendition.spec.geometry.output;
  const name = `${request.id}_${output.width}x${output.height}.${result.rendition.spec.format}`;
  if (result.kind === 'stream') result.object.body.destroy?.();
  if (result.kind === 'rendered') return `${name}  rendered, ${result.image.bytes.length} bytes${note}`;
  return `${name}  already cached${note}`;
}

export const prerenderCommand: Command = {
  name: 'prerender',
  arguments: '<id> <sizes…>',
  positionals: { min: 2, max: Number.POSITIVE_INFINITY },
  summary: 'render sizes of an original into the cache ahead of the first request',
  description: `Renders the given sizes of <id> and stores them in the configured rendition cache and index,
so the first visitor gets a cache hit. Each size is WxH[@Sx][.format] (400x300, 400x0@2x, 800x600.avif),
checked by the same rules as an image URL; --query adds the URL's options (fit=crop&gravity=north).
Works on the stores and index directly (no running service needed).`,
  options: {
    format: { type: 'string', value: 'FMT', help: 'format of sizes that name none: jpg, png, webp, avif, gif, tiff (default jpg)' },
    query: { type: 'string', value: 'QUERY', help: "the image URL's options, e.g. fit=crop&gravity=north" },
  },
  run: async (args) => {
    const [id, ...sizes] = args.positionals as [string, ...string[]];
    const format = stringOption(args, 'format') ?? 'jpg';
    const query = stringOption(args, 'query') ?? '';
    const paths = sizes.map((size) => pathOfSize(id, size, format));
    const config = configOf(args);
    let failed = 0;
    await withApplication(config, async (container) => {
      const getRendition = container.get(TOKENS.GetRendition);
      for (const urlPath of paths) {
        try {
          process.stdout.write(`${await prerenderOne(getRendition, config, urlPath, query)}\n`);
        } catch (error) {
          if (!(error instanceof DomainError || error instanceof ApplicationError)) throw error;
          failed += 1;
          process.stderr.write(`lir: ${urlPath}${query === '' ? '' : `?${query}`}: ${error.message} [${error.code}]\n`);
        }
      }
    });
    return failed === 0 ? EXIT.ok : EXIT.failed;
  },
};
