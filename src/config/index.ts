// Public API of the configuration layer; other folders import from here.
export { loadConfig, parseConfig, validateConfig, type LoadConfigOptions, type LoadedConfig, type ValidateOptions } from './load.js';
export { resolveSecret, listSecretRefs, secretPaths, type ResolveSecretOptions } from './secrets.js';
export { ConfigError, type ConfigProblem, type ConfigErrorCode } from './errors.js';
export {
  ConfigSchema,
  type Config,
  type SecretRef,
  type UpstreamAuth,
  type LoginMode,
  type AccountConfig,
  type FeedConfig,
  type OAuthConfig,
} from './schema.js';
