/** Shell quoting for the commands cwt writes (hook command lines) and prints (hints a user copies). Pure. */

/** Quotes one word for a POSIX shell: Claude Code runs a command hook through one, and a user pastes hints into one. */
export function quoteShellWord(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
