import type { z } from 'zod';
import { configSchema } from '../../src/infrastructure/config/config-schema.js';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  options?: z.ZodType[];
}

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** Every leaf key of the config schema as a dotted path (driver variants merged). */
export function configKeys(schema: z.ZodType = configSchema, prefix = ''): string[] {
  const def = defOf(schema);
  if (def.type === 'default' || def.type === 'prefault' || def.type === 'optional' || def.type === 'nullable') {
    return configKeys(def.innerType as z.ZodType, prefix);
  }
  if (def.type === 'object' && def.shape) {
    return Object.entries(def.shape).flatMap(([key, child]) => configKeys(child, prefix ? `${prefix}.${key}` : key));
  }
  if (def.type === 'union' && def.options) {
    return [...new Set(def.options.flatMap((option) => configKeys(option, prefix)))];
  }
  return [prefix];
}
