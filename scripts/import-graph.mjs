// Draws docs/architecture.md's package picture from dependency-cruiser's view of
// the tree: one node per package under pkg/ (plus cmd), one edge per package
// that imports another (source files only). Prints a Mermaid flowchart.
//   npx depcruise pkg cmd --config .dependency-cruiser.cjs --exclude '\.test\.ts$' --output-type json | node scripts/import-graph.mjs
let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", () => {
  const { modules } = JSON.parse(input);
  const pkgOf = (path) => path.match(/^pkg\/([^/.]+)/)?.[1] ?? (path.startsWith("cmd/") ? "cmd" : undefined);
  const edges = new Set();
  for (const m of modules) {
    const from = pkgOf(m.source);
    if (!from) continue;
    for (const d of m.dependencies) {
      const to = pkgOf(d.resolved);
      if (to && to !== from) edges.add(`${from} --> ${to}`);
    }
  }
  console.log(["flowchart TD", ...[...edges].sort().map((e) => `  ${e}`)].join("\n"));
});
