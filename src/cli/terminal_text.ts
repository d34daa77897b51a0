/**
 * Text from users, models and tools made safe to print on a terminal. A stored message or a tool
 * result can carry escape sequences that retitle the window, clear the screen or rewrite earlier
 * lines; printed raw, they act on the reader's terminal instead of being read.
 */
import { stripVTControlCharacters } from "node:util";

/**
 * OSC strings (`ESC ]` or the one-byte C1 form) up to BEL or ST. They are removed first because
 * their payload is free text (a window title, a hyperlink) that the generic pattern cuts short.
 * Only a terminated one is removed, so an unterminated one cannot hide the text after it; the
 * payload stops at the next OSC start, so a run of unterminated ones is scanned once.
 */
const OSC = /(?:\u001b\]|\u009d)[^\u0007\u001b\u009c\u009d]*(?:\u0007|\u001b\\|\u009c)/g;

/** C0 controls except tab and newline, DEL, and C1 controls: whatever is left after the sequences are gone. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * `text` with terminal control sequences removed and any other control character shown as a
 * visible `\xNN` escape, so nothing in it acts on the terminal. Newlines and tabs are kept; a CR
 * before a newline is dropped, a lone CR (which would overwrite the line) is shown.
 */
export function terminalText(text: string): string {
  const stripped = stripVTControlCharacters(text.replace(OSC, "")).replace(/\r\n/g, "\n");
  return stripped.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/** `value` with every string in it (at any depth of arrays and plain objects) passed through {@link terminalText}. */
export function terminalSafe<T>(value: T): T {
  if (typeof value === "string") return terminalText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terminalSafe(v)) as T;
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [terminalText(k), terminalSafe(v)])) as T;
  }
  return value;
}
