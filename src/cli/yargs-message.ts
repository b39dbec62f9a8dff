/**
 * yargs' own validation messages, reworded into the CLI's one format
 * ("--flag: expected …, got …"); a message it does not know passes unchanged.
 */

const unquote = (text: string): string => text.trim().replace(/^"(.*)"$/, '$1');

/** `argv`: the command line, for the command a "Did you mean" is about. */
export function yargsMessage(message: string, argv: readonly string[] = []): string {
  // recommendCommands() gives only "Did you mean simulate?" for an unknown command.
  const suggestion = /^Did you mean (\S+)\?$/.exec(message.trim());
  if (suggestion !== null) {
    const given = argv.find((a) => !a.startsWith('-'));
    return `unknown command${given === undefined ? '' : ` '${given}'`}; did you mean ${suggestion[1]}? (every command: sspe --help)`;
  }
  // "Invalid values:\n  Argument: backend, Given: "node", Choices: "wasm", "cpu""
  const invalid = /Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/m.exec(message);
  if (message.startsWith('Invalid values:') && invalid !== null) {
    const [, flag, given, choices] = invalid;
    const allowed = choices.split(',').map(unquote).join(', ');
    return `--${flag}: expected one of ${allowed}, got '${unquote(given)}'`;
  }
  // "Missing required argument: policy" / "Missing required arguments: policy, state"
  const missing = /^Missing required arguments?: (.*)$/.exec(message.trim());
  if (missing !== null) {
    const flags = missing[1].split(',').map((f) => `--${f.trim()}`);
    return `${flags.join(', ')}: required, got nothing (see --help)`;
  }
  return message;
}
