// Finds where and why JSON text is invalid. V8's own JSON.parse messages are not used: some carry
// no position and some quote a slice of the input, which may hold a secret. Runs only after
// JSON.parse failed, so it favours clear messages over speed.

export interface JsonSyntaxError {
  line: number; // 1-based
  column: number; // 1-based, in UTF-16 code units
  message: string;
}

class Stop extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** The first syntax error in `text`, or undefined if it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    new Scanner(text).document();
    return undefined;
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
    return { ...lineAndColumn(text, error.offset), message: error.reason };
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Names one character for a message; one character cannot give away a secret. */
function describeChar(ch: string | undefined): string {
  if (ch === undefined) return 'the end of the file';
  if (ch === "'") return 'a single quote (JSON strings use double quotes)';
  if (ch === '/') return '"/" (JSON has no comments)';
  const code = ch.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `"${ch}"`;
}

class Scanner {
  private pos = 0;
  private depth = 0;
  constructor(private readonly text: string) {}

  document(): void {
    this.value();
    this.ws();
    if (this.pos < this.text.length) this.fail(`unexpected ${describeChar(this.text[this.pos])} after the end of the JSON document`);
  }

  private fail(reason: string, at = this.pos): never {
    throw new Stop(at, reason);
  }

  private ws(): void {
    while (this.pos < this.text.length && ' \t\n\r'.includes(this.text[this.pos] ?? '')) this.pos++;
  }

  private value(): void {
    this.ws();
    const ch = this.text[this.pos];
    if (ch === '{') return this.object();
    if (ch === '[') return this.array();
    if (ch === '"') return this.string();
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return;
      }
    }
    this.fail(`expected a value, found ${describeChar(ch)}`);
  }

  private nested(body: () => void): void {
    // Deep nesting cannot be a real config; stop before the call stack does.
    if (++this.depth > 512) this.fail('nested too deeply');
    body();
    this.depth--;
  }

  private object(): void {
    this.nested(() => {
      this.pos++; // {
      this.ws();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return;
      }
      for (;;) {
        this.ws();
        const ch = this.text[this.pos];
        if (ch !== '"') {
          if (ch === '}') this.fail('trailing comma before "}" (JSON allows none)');
          this.fail(`expected a key in double quotes, found ${describeChar(ch)}`);
        }
        this.string();
        this.ws();
        if (this.text[this.pos] !== ':') this.fail(`expected ":" after the key, found ${describeChar(this.text[this.pos])}`);
        this.pos++;
        this.value();
        this.ws();
        const next = this.text[this.pos];
        if (next === '}') {
          this.pos++;
          return;
        }
        if (next !== ',') this.fail(`expected "," or "}" after a value, found ${describeChar(next)}`);
        this.pos++;
      }
    });
  }

  private array(): void {
    this.nested(() => {
      this.pos++; // [
      this.ws();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return;
      }
      for (;;) {
        this.ws();
        if (this.text[this.pos] === ']') this.fail('trailing comma before "]" (JSON allows none)');
        this.value();
        this.ws();
        const next = this.text[this.pos];
        if (next === ']') {
          this.pos++;
          return;
        }
        if (next !== ',') this.fail(`expected "," or "]" after a value, found ${describeChar(next)}`);
        this.pos++;
      }
    });
  }

  private string(): void {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === undefined) this.fail('string not terminated (missing closing ")', start);
      if (ch === '"') {
        this.pos++;
        return;
      }
      if (ch === '\\') {
        const esc = this.text[this.pos + 1];
        if (esc === 'u') {
          if (!/^[0-9A-Fa-f]{4}$/.test(this.text.slice(this.pos + 2, this.pos + 6))) this.fail('invalid \\u escape (needs 4 hex digits)');
          this.pos += 6;
        } else if (esc !== undefined && '"\\/bfnrt'.includes(esc)) {
          this.pos += 2;
        } else {
          this.fail('invalid escape in a string (a Windows path needs "\\\\" for each backslash)');
        }
        continue;
      }
      if (ch.charCodeAt(0) < 0x20) this.fail(`${describeChar(ch)} inside a string (write it as an escape such as \\n)`);
      this.pos++;
    }
  }

  private number(): void {
    const match = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (match === null || match[0] === '-') this.fail('invalid number');
    this.pos += match[0].length;
  }
}
