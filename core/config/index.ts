export {
  configSchema,
  mixEnabled,
  type Config,
  type DatasetConfig,
  type AugmentConfig,
  type ModelConfig,
  type TrainConfig,
  type ServeConfig,
  type ExportConfig,
} from './schema.js';
export { loadConfig, storedConfig, validateConfig, type LoadedConfig } from './load.js';
export { applyOverrides, setDotted, getDotted, parseValue } from './overrides.js';
