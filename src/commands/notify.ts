/**
 * `cwt notify set|status|test|off|send`: the optional webhook (Slack-compatible {"text": …}) that hears about
 * sessions starting and ending, claim conflicts and denials, lock takeovers and memory merge conflicts. The
 * URL is kept in a 0600 file and never printed. `send` is the sender that cwt starts by itself when something
 * notifiable happened; run by hand it drains whatever is pending.
 */
import { readFileSync, rmSync } from 'node:fs';
import { UsageError } from '../core/util/errors.js';
import {
  drainNotifications,
  hasPendingNotifications,
  postWebhook,
  readNotifyConfig,
  resolveNotifyConfigPath,
  writeNotifyConfig,
  DEFAULT_THROTTLE_MS,
  type NotifyConfig,
} from '../core/coordination/notify.js';
import { openStore } from '../core/store/open.js';
import { MESSAGES } from '../texts/messages.js';
import { createProcessOutput, printJson, type Output } from '../ui/output.js';

export type NotifyAction = 'set' | 'status' | 'test' | 'off' | 'send';
export const NOTIFY_ARITY: Record<NotifyAction, [number, number]> = { set: [1, 1], status: [0, 0], test: [0, 0], off: [0, 0], send: [0, 0] };

export interface NotifyOptions {
  action: NotifyAction;
  args: string[];
  throttle?: string;
  quiet?: boolean;
  json?: boolean;
  env?: NodeJS.ProcessEnv;
  output?: Output;
  /** The URL when `set -` reads it from stdin (tests). */
  stdin?: () => string;
}

function requireConfig(env: NodeJS.ProcessEnv, output: Output, quiet = false): NotifyConfig {
  const config = readNotifyConfig(env);
  if (!config) throw new UsageError(MESSAGES.notifyNotConfigured(resolveNotifyConfigPath(env)), { hint: MESSAGES.notifyNotConfiguredHint });
  if (config.exposed && !quiet) output.stderr(MESSAGES.notifyExposed(config.path));
  return config;
}

export async function runNotify(options: NotifyOptions): Promise<number> {
  const env = options.env ?? process.env;
  const output = options.output ?? createProcessOutput();
  switch (options.action) {
    case 'set': {
      // `-`: read the URL from stdin, so it stays out of the shell history and the process list.
      const argument = options.args[0]!;
      const url = (argument === '-' ? (options.stdin ?? (() => readFileSync(0, 'utf8')))() : argument).trim();
      const path = writeNotifyConfig(env, url, options.throttle);
      const store = await openStore(env);
      try {
        // Notifications start now: nothing from before the webhook was set is sent.
        const latest = await store.getLatestEventId();
        if (!(await store.setNotifyCursor(null, latest))) await store.setNotifyCursor((await store.getNotifyCursor())!, latest);
      } finally {
        await store.close();
      }
      if (options.json) printJson(output, { path, configured: true });
      else output.stdout(MESSAGES.notifySet(path));
      return 0;
    }
    case 'off': {
      const path = resolveNotifyConfigPath(env);
      rmSync(path, { force: true });
      if (options.json) printJson(output, { path, configured: false });
      else output.stdout(MESSAGES.notifyOff(path));
      return 0;
    }
    case 'status': {
      const config = readNotifyConfig(env);
      const store = await openStore(env);
      try {
        const pending = config ? await hasPendingNotifications(store) : false;
        const failures = (await store.listEvents({ kinds: ['notify.failed'], limit: 1, newest: true }))[0];
        const view = {
          configured: config !== undefined,
          path: resolveNotifyConfigPath(env),
          // Never the URL itself: its scheme says enough to spot a plain-http one.
          scheme: config ? new URL(config.url).protocol.replace(':', '') : null,
          throttleMs: config?.throttleMs ?? DEFAULT_THROTTLE_MS,
          fileReadableByOthers: config?.exposed ?? false,
          pending,
          lastFailure: failures ? { at: new Date(failures.at).toISOString(), error: failures.data.error } : null,
        };
        if (config?.exposed) output.stderr(MESSAGES.notifyExposed(config.path));
        if (options.json) printJson(output, view);
        else output.stdout(MESSAGES.notifyStatus(view));
        return 0;
      } finally {
        await store.close();
      }
    }
    case 'test': {
      const config = requireConfig(env, output);
      const result = await postWebhook(config.url, MESSAGES.notifyText(MESSAGES.notifyTestText));
      if (options.json) printJson(output, result);
      if (!result.ok) {
        throw new UsageError(MESSAGES.notifyTestFailed(result.error), { hint: MESSAGES.notifyTestFailedHint(config.path) });
      }
      if (!options.json) output.stdout(MESSAGES.notifyTestSent(result.status));
      return 0;
    }
    case 'send': {
      const config = readNotifyConfig(env);
      if (!config) return 0;
      if (config.exposed && !options.quiet) output.stderr(MESSAGES.notifyExposed(config.path));
      const store = await openStore(env);
      try {
        const report = await drainNotifications(store, env, { config });
        if (options.json) printJson(output, report ?? { running: 'another sender is at it' });
        else if (!options.quiet) output.stdout(report ? MESSAGES.notifyDrained(report) : MESSAGES.notifyBusy);
        return 0;
      } finally {
        await store.close();
      }
    }
  }
}
