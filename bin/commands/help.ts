// The text every command's help ends with: examples to copy and the exit codes it can end with.
import { EXIT, EXIT_MEANING, type ExitName } from './exit-codes.ts';

export function exitCodesHelp(exits: ExitName[]): string {
  return ['', 'Exit codes:', ...exits.map((name) => `  ${String(EXIT[name]).padEnd(4)}${EXIT_MEANING[name]}`)].join('\n');
}

export function commandHelp(examples: string[], exits: ExitName[]): string {
  return ['', 'Examples:', ...examples.map((e) => `  $ ${e}`), exitCodesHelp(exits)].join('\n');
}
