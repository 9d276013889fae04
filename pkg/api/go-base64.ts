// Base64 exactly as Go's encoding/base64 StdEncoding decodes it, because that
// is what the Kubernetes API server runs on every Secret's data values while
// decoding the request: padding is required, "\r" and "\n" are skipped, and a
// bad value fails with "illegal base64 data at input byte N", N counted in
// bytes of the UTF-8 input. Node's Buffer.from(s, "base64") accepts almost
// anything, so it cannot tell a user their value is broken.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const DECODE = new Int16Array(256).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
const PAD = 0x3d; // "="
const LF = 0x0a;
const CR = 0x0d;

/** Go's base64.CorruptInputError. */
export class Base64Error extends Error {
  override name = "Base64Error";
  constructor(readonly offset: number) {
    super(`illegal base64 data at input byte ${offset}`);
  }
}

const isNewline = (b: number | undefined): boolean => b === LF || b === CR;

/** Decode like base64.StdEncoding.DecodeString; throws Base64Error at the byte Go would name. */
export function decodeStdBase64(text: string): Buffer {
  const src = Buffer.from(text, "utf8");
  const out: number[] = [];
  let si = 0;
  // One 4-character quantum per pass (Go's decodeQuantum).
  while (si < src.length) {
    const dbuf = [0, 0, 0, 0];
    let dlen = 4;
    let trailing: number | undefined;
    for (let j = 0; j < 4; j++) {
      if (si === src.length) {
        if (j === 0) return Buffer.from(out); // only newlines were left
        throw new Base64Error(si - j); // an incomplete quantum without padding
      }
      const ch = src[si++];
      const v = DECODE[ch];
      if (v >= 0) {
        dbuf[j] = v;
        continue;
      }
      if (isNewline(ch)) {
        j--;
        continue;
      }
      if (ch !== PAD) throw new Base64Error(si - 1);
      // Padding: only after two or three characters, and "==" after two.
      if (j < 2) throw new Base64Error(si - 1);
      if (j === 2) {
        while (si < src.length && isNewline(src[si])) si++;
        if (si === src.length) throw new Base64Error(src.length);
        if (src[si] !== PAD) throw new Base64Error(si - 1);
        si++;
      }
      while (si < src.length && isNewline(src[si])) si++;
      if (si < src.length) trailing = si; // anything after the padding
      dlen = j;
      break;
    }
    const val = (dbuf[0] << 18) | (dbuf[1] << 12) | (dbuf[2] << 6) | dbuf[3];
    const bytes = [(val >> 16) & 0xff, (val >> 8) & 0xff, val & 0xff];
    out.push(...bytes.slice(0, dlen - 1));
    if (trailing !== undefined) throw new Base64Error(trailing);
  }
  return Buffer.from(out);
}

/** The byte offset Go would reject, or undefined when `text` is valid standard base64. */
export function base64ErrorOffset(text: string): number | undefined {
  try {
    decodeStdBase64(text);
    return undefined;
  } catch (e) {
    if (e instanceof Base64Error) return e.offset;
    throw e;
  }
}
