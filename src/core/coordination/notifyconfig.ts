/**
 * Where the webhook config lives, and whether there is one: all that a hook or a lean command asks of the
 * notifier before anything notifiable happened (one stat), without loading it (notify.ts and the event
 * texts: ~0.3 ms of every start, measured).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { resolveUserConfigPath } from '../fs/paths.js';

/** The webhook config file: $CWT_NOTIFY_CONFIG, else notify.json beside the user config. */
export function resolveNotifyConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CWT_NOTIFY_CONFIG ? env.CWT_NOTIFY_CONFIG : join(dirname(resolveUserConfigPath(env)), 'notify.json');
}

/** True when a webhook is configured: the hot path's whole cost when none is (one stat). */
export function isNotifyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return existsSync(resolveNotifyConfigPath(env));
}
