/**
 * Ctrl-C as sspe's long commands (train, collect, finetune) take it: the first
 * signal asks the work to stop at its next safe point, which the command
 * polls through `requested`, and says on stderr what will be kept; a second
 * one exits at once with 130, as a shell expects.
 */
export interface Interrupt {
  /** True once the first signal came. */
  readonly requested: boolean;
  /** Stops listening (call it in a finally). */
  dispose(): void;
}

export interface InterruptOptions {
  /** Default SIGINT. */
  signals?: NodeJS.Signals[];
  /** Runs once, at the first signal, after the message (e.g. to stop a child process). */
  onFirst?: () => void;
  /** Injected in tests; default process.exit. */
  exit?: (code: number) => void;
  /** Injected in tests; default stderr. */
  write?: (text: string) => void;
}

/** Starts listening; `message` is the line printed at the first signal. */
export function catchInterrupt(message: string, options: InterruptOptions = {}): Interrupt {
  const signals = options.signals ?? ['SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const write = options.write ?? ((text: string) => void process.stderr.write(text));
  let requested = false;
  const onSignal = () => {
    if (requested) {
      exit(130);
      return;
    }
    requested = true;
    write(`\n${message}\n`);
    options.onFirst?.();
  };
  for (const signal of signals) process.on(signal, onSignal);
  return {
    get requested() {
      return requested;
    },
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
