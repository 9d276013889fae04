// The import rules of docs/architecture.md, checked by dependency-cruiser in
// `npm test` (npm run lint:imports). Each rule below is one sentence of that
// document. Source files only: tests may reach into any package they test.
//
// KNOWN lists the files that break a rule today, each with the reason and the
// issue that removes it. A listed file is exempt from that one rule; the list
// only ever shrinks. Adding to it needs the same review as changing a rule.

/** @type {Record<string, {files: string[], why: string, issue: number}[]>} */
const KNOWN = {
  "no-circular": [
    { files: ["^pkg/scheduler/(framework|pod-info|node-info|affinity-terms)\\.ts$"], why: "framework, pod-info, node-info and affinity-terms import each other's types; PodInfo/NodeInfo move below framework", issue: 19 },
    { files: ["^pkg/auth/(access-review|review-protobuf)\\.ts$"], why: "the protobuf codec and the review handler share types both ways", issue: 17 },
    { files: ["^pkg/runtime/(runtime|streams)\\.ts$"], why: "the runtime interface and its exec/attach stream types refer to each other", issue: 18 },
    { files: ["^pkg/api/(kinds|custom-resources)\\.ts$"], why: "the built-in kind table and the custom-resource table look each other up", issue: 22 },
  ],
  "client-knows-only-api": [
    { files: ["^pkg/client/in-process\\.ts$"], why: "the in-process client wraps the Registry; it moves to apiserver with the per-kind API strategies", issue: 19 },
  ],
  "components-reach-the-cluster-through-client": [
    { files: ["^pkg/dashboard/"], why: "the dashboard is served by the API server and uses its auth and watch-stream types; those interfaces move to their owners with the API strategies", issue: 19 },
    { files: ["^pkg/apply/three-way\\.ts$"], why: "reuses apiserver's strategic-merge patch; the patch library moves to pkg/api with the API strategies", issue: 19 },
    { files: ["^pkg/agent/testing\\.ts$"], why: "the agent's test harness builds a Registry; it moves to test/helpers with the agent's next wave", issue: 19 },
  ],
  "server-plugins-do-not-import-apiserver": [
    { files: ["^pkg/(admission|auth)/"], why: "AdmissionPlugin, Authenticator and Authorizer are declared in apiserver; they move to admission and auth with the API strategies", issue: 19 },
  ],
  "only-cluster-and-cmd-import-cluster": [
    { files: ["^pkg/auth/token-file\\.ts$"], why: "reads state-dir paths; the state-dir layout moves below auth", issue: 19 },
  ],
  "only-agent-knows-a-runtime": [
    { files: ["^pkg/chaos/controller\\.ts$"], why: "chaos kills containers directly instead of asking the agent", issue: 19 },
  ],
  "only-runtime-knows-dockerode": [
    { files: ["^pkg/cluster/join\\.ts$"], why: "probes the Docker engine while joining a node; belongs behind runtime's interface", issue: 19 },
  ],
  "import-packages-through-their-index": [
    { files: ["^cmd/", "^bench/"], why: "cmd is split out of buildProgram in a later wave; its imports move to the index files then", issue: 19 },
    {
      files: ["^pkg/cluster/", "^pkg/apiserver/(registry|range-allocation)\\.ts$", "^pkg/apiserver/streaming/", "^pkg/client/streams\\.ts$", "^pkg/admission/", "^pkg/apiextensions/"],
      why: "one-line import fixes (store/store.js -> store/index.js, agent/agent.js -> agent/index.js, controllers/manager.js -> controllers/index.js, apiextensions/*.js -> apiextensions/index.js) left to those packages' owners while their waves are in flight",
      issue: 19,
    },
  ],
  "source-never-imports-test-helpers": [],
  "test-helpers-live-in-test-helpers": [
    { files: ["^pkg/agent/"], why: "the agent's harness (pkg/agent/testing.ts) moves to test/helpers with the agent's next wave", issue: 19 },
  ],
};

/**
 * Packages that have no index.ts yet: others still import their files. Each
 * gets one when its owner's wave lands (issue 19); the list only shrinks.
 */
const UNSEALED = ["api", "apiserver", "auth", "chaos", "client", "cluster", "dashboard", "jsonpath", "manifest", "mirror", "proxy", "runtime", "scheduler", "util"];

const TESTS = ["\\.test\\.ts$", "^test/"];

function exempt(rule) {
  return (KNOWN[rule] ?? []).flatMap((k) => k.files);
}

/** A forbidden rule over source files, minus that rule's known violations. */
function rule(name, comment, from, to, { tests = false } = {}) {
  return {
    name,
    comment,
    severity: "error",
    from: { ...from, pathNot: [...(tests ? [] : TESTS), ...(from.pathNot ?? []), ...exempt(name)] },
    to,
  };
}

const pkgs = (...names) => `^pkg/(${names.join("|")})/`;

module.exports = {
  forbidden: [
    rule("no-circular", "No import cycles between files (a package cycle always contains one).", {}, { circular: true }),
    rule(
      "api-and-manifest-are-the-shared-language",
      "pkg/api and pkg/manifest import nothing of skiff's but each other.",
      { path: pkgs("api", "manifest") },
      { path: "^(pkg|cmd|bench|test)/", pathNot: pkgs("api", "manifest") },
    ),
    rule(
      "leaf-packages-import-nothing",
      "pkg/util, pkg/jsonpath and pkg/version.ts stand alone.",
      { path: ["^pkg/util/", "^pkg/jsonpath/", "^pkg/version\\.ts$"] },
      { path: "^(pkg|cmd|bench|test)/", pathNot: ["^pkg/util/", "^pkg/jsonpath/"] },
    ),
    rule("store-knows-only-api", "pkg/store stores api objects; it knows nothing above it.", { path: pkgs("store") }, { path: "^pkg/", pathNot: pkgs("store", "api", "util") }),
    rule(
      "client-knows-only-api",
      "pkg/client speaks the REST API (and its streaming protocols); it never imports the server or the store.",
      { path: pkgs("client") },
      { path: "^pkg/", pathNot: [pkgs("client", "api", "util", "streaming"), "^pkg/version\\.ts$"] },
    ),
    rule(
      "components-reach-the-cluster-through-client",
      "controllers, scheduler, agent, proxy, dns, ingress, mirror and the CLI features talk to the cluster only through pkg/client, so each can run as its own process.",
      { path: pkgs("controllers", "scheduler", "agent", "proxy", "dns", "ingress", "mirror", "chaos", "metrics", "dashboard", "apply", "describe", "why", "plan", "cli") },
      { path: pkgs("apiserver", "store") },
    ),
    rule(
      "server-plugins-do-not-import-apiserver",
      "admission and auth are plugged into the API server by cluster; they own their interfaces.",
      { path: pkgs("admission", "auth") },
      { path: pkgs("apiserver") },
    ),
    rule(
      "controllers-do-not-import-the-scheduler",
      "Controllers and the scheduler share logic through pkg/api, not through each other.",
      { path: pkgs("controllers") },
      { path: pkgs("scheduler") },
    ),
    rule(
      "only-cluster-and-cmd-import-cluster",
      "pkg/cluster wires everything; nothing below it imports it.",
      { path: "^pkg/", pathNot: pkgs("cluster") },
      { path: pkgs("cluster") },
    ),
    rule("only-agent-knows-a-runtime", "Only the agent (and cluster, which wires it) uses a container runtime.", { path: "^pkg/", pathNot: pkgs("agent", "runtime", "cluster") }, { path: pkgs("runtime") }),
    rule("only-runtime-knows-dockerode", "Only pkg/runtime talks to the Docker engine.", { path: "^(pkg|cmd)/", pathNot: pkgs("runtime") }, { path: "^node_modules/(dockerode|docker-modem)/" }),
    rule(
      "only-cmd-knows-argv-and-terminals",
      "Flag parsing and terminal widgets belong to cmd.",
      { path: "^pkg/" },
      { path: "^node_modules/(commander|cli-progress)/" },
    ),
    rule(
      "import-packages-through-their-index",
      "Another package is imported through its index.ts, which is its public surface.",
      { path: "^(pkg/([^/]+)/|cmd/|bench/)" },
      { path: "^pkg/[^/]+/", pathNot: ["^pkg/$2/", "^pkg/[^/]+/index\\.ts$", pkgs(...UNSEALED)] },
    ),
    rule(
      "source-never-imports-test-helpers",
      "Test helpers live in test/helpers; source never imports them (nor a test).",
      { path: "^(pkg|cmd|bench)/" },
      { path: ["^test/", "\\.test\\.ts$"] },
    ),
    rule(
      "test-helpers-live-in-test-helpers",
      "Shared test code (clusters, fakes, fixtures, eventually) lives in test/helpers, not beside the source.",
      { path: "^(pkg|cmd|bench|test)/" },
      { path: "^pkg/.*(/testing|/test-[^/]*|-fixtures|-harness)\\.ts$" },
      { tests: true },
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["^dist/", "^node_modules/\\.vite"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.test.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"], extensions: [".ts", ".js", ".json"] },
    reporterOptions: {
      dot: { collapsePattern: "^(pkg/[^/]+|cmd|bench|test|node_modules/(@[^/]+/)?[^/]+)", theme: { graph: { rankdir: "TB", splines: "ortho" } } },
    },
  },


};
