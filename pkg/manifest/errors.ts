// Errors from reading and decoding manifests. Each one names the file and, when
// known, the 1-based line, so `skiff apply` can print `deploy.yaml:14: …` the way
// compilers do and editors can jump to it.

export interface ManifestErrorPosition {
  /** 1-based line in `file`, when the problem has a place in the text. */
  line?: number;
  /** 1-based column, when the YAML parser reported one. */
  column?: number;
  /** 0-based document number within the file, when the problem belongs to one. */
  index?: number;
  /**
   * Leave the `FILE:` prefix out of the message, for details that already name
   * the path (`the path "x.yaml" does not exist`, as kubectl words it).
   */
  unprefixed?: boolean;
}

export class ManifestError extends Error {
  override name = "ManifestError";
  readonly line?: number;
  readonly column?: number;
  readonly index?: number;

  constructor(
    /** Path as the user gave it (or joined below a directory they gave), or "<stdin>". */
    readonly file: string,
    /** What is wrong, without the position prefix. */
    readonly detail: string,
    position: ManifestErrorPosition = {},
  ) {
    super(position.unprefixed ? detail : formatManifestError(file, detail, position.line));
    this.line = position.line;
    this.column = position.column;
    this.index = position.index;
  }
}

/** `FILE:LINE: detail`, or `FILE: detail` without a line, or just `detail` without a file. */
export function formatManifestError(file: string, detail: string, line?: number): string {
  if (file === "") return detail;
  return line === undefined ? `${file}: ${detail}` : `${file}:${line}: ${detail}`;
}

/**
 * Every problem found in one decode call. Decoding never stops at the first bad
 * document: the caller gets the whole list and refuses the whole batch, so a user
 * fixes all mistakes in one round instead of one per `apply`.
 */
export class ManifestErrors extends Error {
  override name = "ManifestErrors";
  constructor(readonly errors: readonly ManifestError[]) {
    super(errors.map((e) => e.message).join("\n"));
  }
}
