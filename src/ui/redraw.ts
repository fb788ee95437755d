/**
 * Redrawing a block of text in place on a terminal (`cwt status --watch`), without flicker: each frame moves the
 * cursor home and overwrites line by line, clearing what is left of each line and everything below, instead of
 * clearing the screen first. Pure: the caller writes the strings.
 */
const ESC = '\u001b[';

/** Written once at the start: hide the cursor, clear the screen. */
export const REDRAW_START = `${ESC}?25l${ESC}H${ESC}2J`;
/** Written once at the end, whatever ended it: show the cursor again. */
export const REDRAW_END = `${ESC}?25h`;

/**
 * One frame: home, each line followed by "clear to end of line", then "clear below". `text` must already be
 * free of control sequences (sanitizeForTerminal); lines past `rows`, and characters past `columns`, are cut so
 * the frame never scrolls (a scrolled frame would leave its top behind on the next one).
 */
export function renderFrame(text: string, rows?: number, columns?: number): string {
  let lines = text.replace(/\n+$/, '').split('\n');
  if (rows !== undefined && rows > 0 && lines.length > rows) lines = lines.slice(0, rows);
  // A line wider than the terminal would wrap onto the next one and push the frame down: cut it instead.
  if (columns !== undefined && columns > 0) lines = lines.map((line) => ([...line].length > columns ? [...line].slice(0, columns).join('') : line));
  return `${ESC}H${lines.map((line) => `${line}${ESC}K`).join('\r\n')}${ESC}J`;
}
