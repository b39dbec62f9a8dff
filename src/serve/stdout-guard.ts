/**
 * In serve mode stdout carries protocol lines only (python/PROTOCOL.md): a
 * stray console.log from any layer would break the client's parser. The
 * guard keeps stdout's write for the protocol and sends every other write
 * to stdout (console.log included, which writes through it) to stderr.
 */
export interface StdoutGuard {
  /** Writes protocol text to the real stdout; false when its buffer is full (wait for 'drain'). */
  write(text: string): boolean;
  /** Gives stdout back. */
  release(): void;
}

export function guardStdout(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): StdoutGuard {
  const original = stdout.write;
  const protocolWrite = original.bind(stdout);
  stdout.write = ((...args: Parameters<typeof original>) => (stderr.write as (...a: unknown[]) => boolean)(...args)) as typeof original;
  return {
    write: (text) => protocolWrite(text),
    release: () => {
      stdout.write = original;
    },
  };
}
