/**
 * Configuration for the hook path: the validating module (and zod, ~15 ms to load) is loaded only when a
 * config file exists. Apart from config/config.ts and config.ts so that neither imports the other both ways.
 */
import { existsSync } from 'node:fs';
import { applyConfigOverrides, createDefaultConfig, getConfigFilePaths, type Config, type LoadConfigOptions } from './config.js';

/** loadConfig, but the validating module is loaded only when a config file exists. */
export async function loadConfigLazily(options: LoadConfigOptions = {}): Promise<Config> {
  if (getConfigFilePaths(options).some((path) => existsSync(path))) return (await import('./load.js')).loadConfig(options);
  const config = createDefaultConfig();
  applyConfigOverrides(config, options.env ?? process.env, options.flags);
  return config;
}
