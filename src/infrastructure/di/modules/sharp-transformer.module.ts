import { ContainerModule } from 'inversify';
import { SharpTransformer } from '../../../adapters/sharp/sharp-transformer.js';
import type { SharpTransformerConfig } from '../../../adapters/sharp/sharp-transformer-config.js';
import { TOKENS } from '../tokens.js';

export function sharpTransformerModule(config: SharpTransformerConfig): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.Transformer).toResolvedValue(() => new SharpTransformer(config));
  });
}
