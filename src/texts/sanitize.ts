/**
 * Output hygiene for text cwt did not write. Lock notes, task titles and progress, handoff summaries, kv
 * values, branch and file names come from models, scripts and other machines; printed raw, an escape
 * sequence in one retitles the terminal, clears it, moves the cursor to forge a line, or hides a link; in a
 * webhook message `<!channel>` pings everyone. Everything here is pure.
 */

/**
 * Terminal control sequences, whole: a string (OSC `ESC ]`, DCS `ESC P`, SOS `ESC X`, PM `ESC ^`, APC `ESC _`,
 * or their C1 forms) through its terminator (BEL or ST); a CSI (`ESC [` or C1 CSI) with its parameters; any
 * other ESC sequence (intermediates and a final byte). A string's body stops at the next introducer, so a
 * hostile text costs linear time.
 */
// eslint-disable-next-line no-control-regex
const TERMINAL_SEQUENCE = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u0090\u0098\u009b-\u009f]*(?:\u0007|\u001b\\|\u009c)|(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|\u001b[\u0020-\u002f]*[\u0030-\u007e]?/g;
/** What is left to drop: C0 controls but newline and tab, DEL, C1 controls. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const LINE_BREAK = /\r?\n|\t/g;
/** Any character the three patterns can start at (not global: test() keeps no state). */
// eslint-disable-next-line no-control-regex
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** The same for a multi-line field, where newline and tab stay: any other is what the patterns start at. */
// eslint-disable-next-line no-control-regex
const ANY_CONTROL_BUT_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

export interface SanitizeOptions {
  /** The field may span lines: newlines and tabs stay. Otherwise each becomes a space, so it stays one line. */
  multiline?: boolean;
}

/**
 * The text as it may reach a terminal: terminal control sequences removed whole, other control characters
 * removed, and newlines and tabs kept only in a multi-line field. The one sanitiser for tables, log and
 * status lines, errors and every line cwt prints.
 */
export function sanitizeForTerminal(text: string, options: SanitizeOptions = {}): string {
  // Every pattern above starts at a C0 or C1 control or DEL: a text with none is returned as it is, after one
  // scan instead of three (a 50-session status table is ~500 cells, each sanitised, then the table again, whose
  // newlines stay).
  if (!(options.multiline ? ANY_CONTROL_BUT_LINES : ANY_CONTROL).test(text)) return text;
  const stripped = text.replace(TERMINAL_SEQUENCE, '');
  return (options.multiline ? stripped : stripped.replace(LINE_BREAK, ' ')).replace(CONTROL, '');
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but not DEL or C1 ones (a raw C1 CSI is a control
 * sequence); those are written as `\u00XX` escapes, so the value a script parses is unchanged.
 */
export function stringifyJsonSafely(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Bare words some Slack-compatible receivers (Mattermost, Discord's /slack endpoint) turn into mentions. */
const BARE_MENTION = /(^|[^\w@.])@(here|channel|everyone|all)\b/gi;

/**
 * Text for a Slack message: `&`, `<` and `>` escaped as Slack's formatting rules ask, so `<!channel>`,
 * `<!here>`, `<@U…>` and `<url|label>` arrive as text; bare `@here`-style words get a zero-width space after
 * the `@` for the receivers that read those.
 */
export function escapeForSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(BARE_MENTION, '$1@\u200b$2');
}
