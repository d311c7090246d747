import { parseArgs, type ParseArgsConfig } from 'node:util';

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** A mistake in how the command was called: exit status 2, with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const EXIT_OK = 0;
export const EXIT_SOME_REJECTED = 1;
export const EXIT_USAGE = 2;
/** The database cannot be used: not a database, damaged, disk full, read-only, locked. */
export const EXIT_DATABASE = 4;

/** node:util parseArgs, with its errors turned into usage errors. */
export function parseCommandArgs(
  args: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: OptionValues; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}
