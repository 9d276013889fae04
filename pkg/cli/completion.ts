// Shell completion scripts for `skiff completion bash|zsh`. The command tree
// (subcommands and their flags) is baked into the script when it is generated;
// resource kinds come from the registry, and object names are asked of the
// cluster at TAB time with `skiff get KIND -o name`, as kubectl's do.
import { RESOURCES } from "../api/kinds.js";

export interface CompletionCommand {
  /** Space-separated path from the root: "", "rollout", "rollout status". */
  path: string;
  subcommands: string[];
  /** Every flag spelling (-o, --output). */
  flags: string[];
  /** Flags that take a value (the next word is not a subcommand or argument). */
  valueFlags: string[];
}

/** What the positional arguments of a command are, for completing them. */
export type ArgumentKind = "kind-then-name" | "pod" | "node" | "deployment" | "kind" | "none";

const ARGUMENTS: Record<string, ArgumentKind> = {
  get: "kind-then-name",
  describe: "kind-then-name",
  delete: "kind-then-name",
  edit: "kind-then-name",
  label: "kind-then-name",
  annotate: "kind-then-name",
  scale: "kind-then-name",
  explain: "kind",
  logs: "pod",
  exec: "pod",
  cordon: "node",
  uncordon: "node",
  drain: "node",
  "nodes cordon": "node",
  "nodes uncordon": "node",
  "nodes drain": "node",
  "rollout status": "kind-then-name",
  "rollout history": "kind-then-name",
  "rollout undo": "kind-then-name",
  "rollout pause": "kind-then-name",
  "rollout resume": "kind-then-name",
  "rollout restart": "kind-then-name",
};

/** Everything a user may type for a kind: plurals, singulars and short names. */
export function kindWords(): string[] {
  const words = new Set<string>();
  for (const r of RESOURCES) {
    words.add(r.plural);
    words.add(r.singular);
    for (const s of r.shortNames) words.add(s);
  }
  return [...words].sort();
}

const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

function caseTable(fn: string, commands: CompletionCommand[], pick: (c: CompletionCommand) => string[]): string {
  const arms = commands.map((c) => `    ${q(c.path)}) echo ${q(pick(c).join(" "))} ;;`).join("\n");
  return `${fn}() {\n  case "$1" in\n${arms}\n  esac\n}\n`;
}

export function bashCompletion(program: string, commands: CompletionCommand[]): string {
  const argKinds = Object.entries(ARGUMENTS)
    .map(([path, kind]) => `    ${q(path)}) echo ${kind} ;;`)
    .join("\n");
  const fn = `_${program.replace(/[^A-Za-z0-9_]/g, "_")}`;
  return `# ${program} completion for bash. Load it with:
#   source <(${program} completion bash)
# or install it: ${program} completion bash > /etc/bash_completion.d/${program}

${caseTable(`${fn}_subcommands`, commands, (c) => c.subcommands)}
${caseTable(`${fn}_flags`, commands, (c) => c.flags)}
${caseTable(`${fn}_value_flags`, commands, (c) => c.valueFlags)}
${fn}_args() {
  case "$1" in
${argKinds}
    *) echo none ;;
  esac
}

${fn}_kinds=${q(kindWords().join(" "))}

# Names of objects of a kind, from the cluster (quietly nothing when none answers).
${fn}_names() {
  local kind="$1"; shift
  ${program} get "$kind" -o name "$@" 2>/dev/null | sed 's|^[^/]*/||'
}

${fn}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  local prev="\${COMP_WORDS[COMP_CWORD-1]}"
  local path="" skip_next=0 i w
  local -a positional=() lookup=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    if ((skip_next)); then
      skip_next=0
      case "\${COMP_WORDS[i-1]}" in
        -n|--namespace|--kubeconfig|--context) lookup+=("\${COMP_WORDS[i-1]}" "$w") ;;
      esac
      continue
    fi
    case "$w" in
      --*=*) case "$w" in --namespace=*|--kubeconfig=*|--context=*) lookup+=("$w") ;; esac; continue ;;
      -*)
        local vf=" $(${fn}_value_flags "$path") $(${fn}_value_flags "") "
        [[ "$vf" == *" $w "* ]] && skip_next=1
        continue ;;
    esac
    local subs=" $(${fn}_subcommands "$path") "
    if ((\${#positional[@]} == 0)) && [[ "$subs" == *" $w "* ]]; then
      path="\${path:+$path }$w"
    else
      positional+=("$w")
    fi
  done

  local vf=" $(${fn}_value_flags "$path") $(${fn}_value_flags "") "
  if [[ "$prev" == -* && "$vf" == *" $prev "* ]]; then
    case "$prev" in
      -n|--namespace) COMPREPLY=($(compgen -W "$(${fn}_names namespaces "\${lookup[@]}")" -- "$cur")) ;;
      -o|--output) COMPREPLY=($(compgen -W "json yaml wide name jsonpath= jsonpath-file= custom-columns= custom-columns-file=" -- "$cur")) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
    return 0
  fi
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${fn}_flags "$path") $(${fn}_flags "")" -- "$cur"))
    return 0
  fi
  local subs="$(${fn}_subcommands "$path")"
  if [[ -n "$subs" && \${#positional[@]} -eq 0 ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
    return 0
  fi
  case "$(${fn}_args "$path")" in
    kind-then-name)
      if ((\${#positional[@]} == 0)); then
        if [[ "$cur" == */* ]]; then
          local k="\${cur%%/*}"
          COMPREPLY=($(compgen -P "$k/" -W "$(${fn}_names "$k" "\${lookup[@]}")" -- "\${cur#*/}"))
        else
          COMPREPLY=($(compgen -W "$${fn}_kinds" -- "$cur"))
        fi
      else
        COMPREPLY=($(compgen -W "$(${fn}_names "\${positional[0]}" "\${lookup[@]}")" -- "$cur"))
      fi ;;
    kind) COMPREPLY=($(compgen -W "$${fn}_kinds" -- "$cur")) ;;
    pod) ((\${#positional[@]} == 0)) && COMPREPLY=($(compgen -W "$(${fn}_names pods "\${lookup[@]}")" -- "$cur")) ;;
    node) ((\${#positional[@]} == 0)) && COMPREPLY=($(compgen -W "$(${fn}_names nodes "\${lookup[@]}")" -- "$cur")) ;;
    *) COMPREPLY=($(compgen -f -- "$cur")) ;;
  esac
  return 0
}

complete -o default -F ${fn} ${program}
`;
}

/** zsh runs the bash function through bashcompinit: one completion logic for both shells. */
export function zshCompletion(program: string, commands: CompletionCommand[]): string {
  return `#compdef ${program}
# ${program} completion for zsh. Load it with:
#   source <(${program} completion zsh)

autoload -U +X bashcompinit && bashcompinit
autoload -U +X compinit && compinit

${bashCompletion(program, commands)}`;
}
