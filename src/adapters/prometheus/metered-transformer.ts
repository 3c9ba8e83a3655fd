import type { RenderInput, RenderedImage, Transformer } from '../../application/ports/transformer.js';
import type { ImageInfo } from '../../domain/original.js';
import type { Pixels } from '../../domain/placeholder.js';
import type { RenditionSpec } from '../../domain/rendition.js';
import type { PrometheusMetrics } from './prometheus-metrics.js';

/** A `Transformer` that counts and times renders by output format for `/metrics`, then delegates. */
export class MeteredTransformer implements Transformer {
  constructor(
    private readonly inner: Transformer,
    private readonly metrics: PrometheusMetrics,
  ) {}

  inspect(bytes: Uint8Array): Promise<ImageInfo> {
    return this.inner.inspect(bytes);
  }

  verify(bytes: Uint8Array, info: ImageInfo): Promise<Pixels> {
    return this.inner.verify(bytes, info);
  }

  async render(original: RenderInput, spec: RenditionSpec, known: ImageInfo): Promise<RenderedImage> {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const image = await this.inner.render(original, spec, known);
      this.metrics.observeRender(spec.format, 'ok', seconds());
      return image;
    } catch (error) {
      this.metrics.observeRender(spec.format, 'failed', seconds());
      throw error;
    }
  }
}
