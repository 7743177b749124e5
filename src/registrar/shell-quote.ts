/**
 * POSIX shell quoting for rendered commands.
 *
 * @module
 */

const SAFE = /^[A-Za-z0-9_./:=@%+,-]+$/;

/**
 * Quotes `arg` so that a POSIX shell passes it as exactly one argument, unchanged: bare when it
 * holds only characters without meaning to the shell, else in single quotes (a `'` inside becomes
 * `'\''`). Nothing in a quoted argument is expanded: no `$()`, backquotes, globs or newlines.
 */
export function shellQuote(arg: string): string {
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
