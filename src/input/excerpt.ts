/**
 * What a message may show of a file a user pointed us at: a position and a
 * short, escaped excerpt, never the raw bytes (a path mistyped as
 * /etc/passwd, or a binary file, must not reach the terminal or a log).
 */

/** Control and other unprintable characters as \n, \u0000 …, so a message stays one readable line. */
export function escapeText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]/g, (c) =>
    c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** At most this many characters of file content in one message. */
export const MAX_EXCERPT_CHARS = 16;

/** `'root:x:0:0:root…'`: the first characters from `offset`, control characters escaped. */
export function excerpt(text: string, offset = 0, maxChars = MAX_EXCERPT_CHARS): string {
  const start = Math.max(0, Math.min(offset, text.length));
  const piece = text.slice(start, start + maxChars);
  return `'${escapeText(piece)}${text.length > start + maxChars ? '…' : ''}'`;
}

/** 1-based line and column of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * "not valid JSON at line 3, column 5 (near '…')" for a JSON.parse error,
 * without the parser's own message (V8 quotes the input in it).
 */
export function jsonSyntaxMessage(text: string, error: unknown): string {
  if (text.trim() === '') return 'expected JSON, got an empty file';
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message);
  if (position !== null) {
    const offset = Number(position[1]);
    const { line, column } = lineColumn(text, offset);
    const near = text.slice(offset).trim() === '' ? 'where the text ends: truncated?' : `near ${excerpt(text, offset)}`;
    return `not valid JSON at line ${line}, column ${column} (${near})`;
  }
  if (/end of JSON input/.test(message)) return 'not valid JSON: it ends too early (truncated?)';
  return `not valid JSON: it starts with ${excerpt(text.trimStart())}`;
}
