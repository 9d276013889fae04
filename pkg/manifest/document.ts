// The unit the decoder hands out: one API object plus where it came from.
import type { KubeObject } from "../api/types.js";

export interface ManifestSource {
  /** Path as given (or joined below a directory that was given), or "<stdin>". */
  file: string;
  /** 1-based line where the document's content (or the List item) starts. */
  line: number;
  /**
   * 0-based document number within the file, counting every `---` document the
   * YAML parser sees (empty ones too, like yq's document_index). Items expanded
   * from a `kind: List` share the index of the List's document.
   */
  index: number;
}

export interface ManifestDocument {
  /** Checked by the decoder: apiVersion and kind are strings, metadata is a map (an empty one when absent). */
  object: KubeObject;
  source: ManifestSource;
}

/** Where manifests of stdin are said to come from in messages. */
export const STDIN_FILE = "<stdin>";
