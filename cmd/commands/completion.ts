// `skiff completion bash|zsh`: commander has no generator, so walk its
// command tree here and hand it to pkg/cli/completion.ts.
import type { Command } from "commander";
import { bashCompletion, zshCompletion, type CompletionCommand } from "../../pkg/cli/completion.js";
import { ExitError } from "../context.js";

export function completionTree(program: Command): CompletionCommand[] {
  const out: CompletionCommand[] = [];
  const walk = (cmd: Command, path: string) => {
    const visible = cmd.commands.filter((c) => Reflect.get(c, "_hidden") !== true); // commander keeps hidden() in a private field
    const flags: string[] = [];
    const valueFlags: string[] = [];
    for (const opt of cmd.options) {
      if (opt.hidden) continue;
      const spellings = [opt.short, opt.long].filter((x): x is string => !!x);
      flags.push(...spellings);
      if (opt.required || opt.optional) valueFlags.push(...spellings);
    }
    if (path !== "") flags.push("-h", "--help");
    out.push({ path, subcommands: visible.map((c) => c.name()), flags, valueFlags });
    for (const c of visible) walk(c, path ? `${path} ${c.name()}` : c.name());
  };
  walk(program, "");
  return out;
}

export function runCompletion(o: { shell: string; program: Command }): void {
  const tree = completionTree(o.program);
  if (o.shell === "bash") process.stdout.write(bashCompletion(o.program.name(), tree));
  else if (o.shell === "zsh") process.stdout.write(zshCompletion(o.program.name(), tree));
  else throw new ExitError(1, `error: unsupported shell type "${o.shell}" (bash or zsh)`);
}
