import { dominantColour, type Pixels, type Placeholder } from '../domain/placeholder.js';
import type { PlaceholderEncoder } from './ports/placeholder-encoder.js';

/** The whole placeholder of an image from its small decode: the encoder's hashes and the domain's dominant colour. */
export function placeholderOf(encoder: PlaceholderEncoder, preview: Pixels): Placeholder {
  return { ...encoder.encode(preview), dominantColor: dominantColour(preview) };
}
