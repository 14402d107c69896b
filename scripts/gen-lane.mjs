// Writes the generator-lane and mixed-lane variants of the parity tests (issue 15): every rule
// test, every FreeRTOS Demo port, the kernel's own tests, the ports of Go's test/chan and
// runtime/chan_test.go, the bridge tests and the Go layer's other tests (but the real-time,
// scale and generator-lane ones), from their compiled files under dist/test to dist/test-gen and dist/test-mixed
// (same relative paths, so `../../src/...` imports still resolve; sibling helpers such as
// rules/harness.js are transformed along).
//
// Transform (TypeScript's parser; the output is the input text with spliced replacements):
// every async function, arrow or method of task code becomes a "dual" (scripts/lane-runtime.mjs)
// holding the original and a generator version (`function*`, each `await x` -> `yield* $y(x)`).
// An awaited call is forced to the caller's lane ($ac / $gc); any other call (the kernel starting
// a task, the timer task running a callback) takes the dual's preference: the generator in
// dist/test-gen, every second function in dist/test-mixed. Test names get " [gen]" / " [mixed]".
// NOT task code, left async: node:test callbacks; functions whose own body runs the kernel or
// waits for host work (.run(, .advance(, Go run(, new Promise, timers, import(), for await,
// Promise.*, .then/.catch/.finally); functions that await such a function; EXCLUDE below.
// Usage: node scripts/gen-lane.mjs [--dist=DIR]
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import ts from "typescript";

const here = fileURLToPath(new URL(".", import.meta.url));

/** Per-file names (function, variable, method or property) of async functions kept async. */
const EXCLUDE = {
  // A test-level helper that turns a synchronous throw into a rejection for assert.rejects.
  "go/badinput.test.js": ["attempt"],
};

/** node:test functions: their callbacks are test code, and their first argument is a test name. */
const TEST_FUNCTIONS = new Set(["test", "it", "describe", "suite", "before", "after", "beforeEach", "afterEach"]);
const TEST_METHODS = new Set(["test", "it", "describe", "skip", "only", "todo", "before", "after", "beforeEach", "afterEach"]);
const NAMED_TESTS = new Set(["test", "it", "describe", "suite", "skip", "only", "todo"]);
/** Calls in a function's own body that mean it drives the kernel or waits for the host. */
const HOST_METHODS = new Set(["run", "advance", "then", "catch", "finally"]);
const HOST_FUNCTIONS = new Set(["run", "setTimeout", "setImmediate", "setInterval", "queueMicrotask"]);

/** The test files to transform, relative to dist/test. */
export function parityFiles(distTest) {
  const list = (dir) => (existsSync(join(distTest, dir)) ? readdirSync(join(distTest, dir)).filter((n) => n.endsWith(".test.js")).sort() : []);
  const files = [];
  for (const n of list("rules")) files.push(`rules/${n}`);
  for (const n of list("freertos-demo")) files.push(`freertos-demo/${n}`);
  // The kernel's own tests (fault paths, execution model, run control, timeouts, buffers...),
  // but the generator lane's own and the real-time one (a worker thread's timing).
  for (const n of list("kernel")) if (n !== "gen-lane.test.js" && n !== "realtime.test.js") files.push(`kernel/${n}`);
  for (const n of list("go")) {
    // Ports of Go's test/chan programs and of runtime/chan_test.go, by their header; the bridge tests.
    const head = readFileSync(join(distTest, "go", n), "utf8").slice(0, 400);
    if (n === "bridge.test.js" || /Ports? of golang\/go (test\/chan\/|src\/runtime\/chan_test\.go)/.test(head)) files.push(`go/${n}`);
    // The Go layer's other tests too, but its generator-lane ones and the 100,000-goroutine scale test.
    else if (!n.startsWith("gen-") && n !== "scale.test.js") files.push(`go/${n}`);
  }
  return files;
}

function isAsync(node) {
  return (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Async) !== 0 || (node.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.AsyncKeyword);
}

function isFunctionLike(node) {
  return ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node);
}

/** The name a function literal goes by: its own, or the variable, property or method it is bound to. */
function nameOf(node) {
  if (node.name && ts.isIdentifier(node.name)) return node.name.text;
  const p = node.parent;
  if (p && (ts.isVariableDeclaration(p) || ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && ts.isIdentifier(p.name)) return p.name.text;
  return undefined;
}

function stripParens(e) {
  while (ts.isParenthesizedExpression(e)) e = e.expression;
  return e;
}

/** Visits a function's own body (nested functions excluded; arrows included when `intoArrows`). */
function forOwnBody(fn, visit, intoArrows = false) {
  const walk = (n) => {
    if (n !== fn && isFunctionLike(n) && !(intoArrows && ts.isArrowFunction(n))) return;
    if (n !== fn && ts.isClassLike(n)) return;
    visit(n);
    n.forEachChild(walk);
  };
  walk(fn);
}

/** Why async function `fn` must stay async (not task code), or null. */
function hostReason(fn) {
  let reason = null;
  const p = fn.parent;
  if (p && ts.isCallExpression(p) && p.arguments.includes(fn)) {
    const c = p.expression;
    if (ts.isIdentifier(c) && TEST_FUNCTIONS.has(c.text)) return `a ${c.text}() callback`;
    if (ts.isPropertyAccessExpression(c) && TEST_METHODS.has(c.name.text)) return `a .${c.name.text}() callback`;
    // Callbacks of array and promise plumbing are called by it, never as a task.
    if (ts.isPropertyAccessExpression(c) && ["map", "forEach", "filter", "reduce", "then", "catch", "finally"].includes(c.name.text)) return `a .${c.name.text}() callback`;
    // assert.rejects(async () => ...) and doesNotReject: test code, awaited by the assertion.
    if (ts.isPropertyAccessExpression(c) && ["rejects", "doesNotReject"].includes(c.name.text)) return `an assert.${c.name.text}() callback`;
  }
  if (ts.isMethodDeclaration(fn) && (!ts.isIdentifier(fn.name) || fn.asteriskToken)) return "a method with a computed or private name";
  // (async () => { ... })(): run in place by the code around it, never a task.
  let outer = fn;
  while (outer.parent && ts.isParenthesizedExpression(outer.parent)) outer = outer.parent;
  if (outer.parent && ts.isCallExpression(outer.parent) && outer.parent.expression === outer) return "called in place";
  forOwnBody(fn, (n) => {
    if (reason) return;
    if (ts.isForOfStatement(n) && n.awaitModifier) reason = "for await";
    else if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "Promise") reason = "new Promise";
    else if (ts.isPropertyAccessExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === "Promise") reason = `Promise.${n.name.text}`;
    else if (ts.isCallExpression(n)) {
      const c = n.expression;
      if (c.kind === ts.SyntaxKind.ImportKeyword) reason = "import()";
      else if (ts.isIdentifier(c) && HOST_FUNCTIONS.has(c.text)) reason = `${c.text}()`;
      else if (ts.isPropertyAccessExpression(c) && HOST_METHODS.has(c.name.text)) reason = `.${c.name.text}()`;
    } else if (ts.isIdentifier(n) && n.text === "arguments" && ts.isArrowFunction(fn)) reason = "arguments in an arrow";
    else if (n.kind === ts.SyntaxKind.SuperKeyword) reason = "super";
  }, true);
  return reason;
}

/** The callee an `await` (or a returned expression) calls: { fn: name } or { method: name }. */
function calleeOf(e) {
  e = stripParens(e);
  if (!ts.isCallExpression(e) || e.questionDotToken) return null;
  const c = e.expression;
  if (ts.isIdentifier(c)) return { fn: c.text };
  if (ts.isPropertyAccessExpression(c) && ts.isIdentifier(c.name) && !c.questionDotToken) return { method: c.name.text };
  return null;
}

/**
 * Decides which async functions of `sf` become duals. Returns the set of dual nodes (with their
 * literal index) and the names of dual methods; logs what stays async and why when `explain`.
 */
function analyse(sf, excluded, explain) {
  const asyncFns = [];
  const walk = (n) => {
    if (isFunctionLike(n) && isAsync(n) && n.body) asyncFns.push(n);
    n.forEachChild(walk);
  };
  walk(sf);
  const kept = new Map();
  for (const fn of asyncFns) {
    const name = nameOf(fn);
    if (name !== undefined && excluded.has(name)) kept.set(fn, "listed in EXCLUDE");
    else if (fn.asteriskToken) kept.set(fn, "an async generator");
    else {
      const r = hostReason(fn);
      if (r) kept.set(fn, r);
    }
  }
  // A function that awaits (or returns) a call of a kept named function must stay async too.
  for (let changed = true; changed; ) {
    changed = false;
    const keptNames = new Set([...kept.keys()].map(nameOf).filter((n) => n !== undefined));
    for (const fn of asyncFns) {
      if (kept.has(fn)) continue;
      let why = null;
      forOwnBody(fn, (n) => {
        if (why) return;
        const e = ts.isAwaitExpression(n) ? n.expression : ts.isReturnStatement(n) && n.expression ? n.expression : null;
        const c = e && calleeOf(e);
        if (c && keptNames.has(c.fn ?? c.method)) why = `awaits ${c.fn ?? c.method}(), which stays async`;
      });
      if (why) {
        kept.set(fn, why);
        changed = true;
      }
    }
  }
  const duals = new Map();
  const dualMethods = new Set();
  const forwarders = new Set();
  for (const fn of asyncFns) {
    if (kept.has(fn)) {
      if (explain && !/callback$/.test(kept.get(fn))) console.log(`  async: ${nameOf(fn) ?? "<anonymous>"} (line ${sf.getLineAndCharacterOfPosition(fn.getStart(sf)).line + 1}): ${kept.get(fn)}`);
      continue;
    }
    addDual(fn);
  }
  // Forwarders: plain functions that return what a dual returns (`(n) => spawn(rtos, n, 2, body)`,
  // `() => this.task()`) become duals too, so that an awaited call of one still reaches the lane
  // of its caller (their generator version is a plain function that returns the generator).
  const dualNames = new Set([...dualMethods]);
  for (const fn of duals.keys()) if (nameOf(fn) !== undefined) dualNames.add(nameOf(fn));
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && /^\.\.?\//.test(st.moduleSpecifier.text) && !/\/src\//.test(st.moduleSpecifier.text)) {
      const b = st.importClause?.namedBindings;
      if (b && ts.isNamedImports(b)) for (const e of b.elements) dualNames.add(e.name.text);
    }
  }
  const plainFns = [];
  const walkPlain = (n) => {
    if (isFunctionLike(n) && !isAsync(n) && !n.asteriskToken && n.body && !(ts.isMethodDeclaration(n) && !ts.isIdentifier(n.name)) && !hostReason(n)) plainFns.push(n);
    n.forEachChild(walkPlain);
  };
  walkPlain(sf);
  const forwards = (fn) => {
    const returned = [];
    if (!ts.isBlock(fn.body)) returned.push(fn.body);
    else forOwnBody(fn, (n) => {
      if (ts.isReturnStatement(n)) returned.push(n.expression);
    });
    return returned.length > 0 && returned.every((e) => {
      const c = e ? calleeOf(e) : null;
      return c !== null && (c.fn !== undefined ? dualNames.has(c.fn) : dualMethods.has(c.method));
    });
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const fn of plainFns) {
      if (duals.has(fn) || !forwards(fn)) continue;
      addDual(fn);
      forwarders.add(fn);
      if (nameOf(fn) !== undefined) dualNames.add(nameOf(fn));
      changed = true;
    }
  }
  return { duals, dualMethods, forwarders };

  function addDual(fn) {
    duals.set(fn, duals.size);
    // Awaited calls of these names are forced to the caller's lane (methods, and duals bound to properties).
    if (ts.isMethodDeclaration(fn)) dualMethods.add(fn.name.text);
    else if (fn.parent && (ts.isPropertyAssignment(fn.parent) || ts.isPropertyDeclaration(fn.parent)) && nameOf(fn)) dualMethods.add(nameOf(fn));
  }
}

/** Rewrites one compiled test module; returns the new text. */
export function transform(text, fileName, mode, runtimeImport, fileKey, explain = false) {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.JS);
  const { duals, dualMethods, forwarders } = analyse(sf, new Set(EXCLUDE[fileKey] ?? []), explain);
  const label = mode === "gen" ? " [gen]" : " [mixed]";
  const marks = new Map(); // statement list node -> mark statements for its dual declarations
  let placed = new Map(); // the marks of the first pass, placed by the second

  // ctx: { gen: inside a generator version; asyncFn: the nearest function is async (or its generator
  // version, or a forwarder): its returned calls are forced; plain: a forwarder's generator version
  // (a plain function that returns the generator) }
  const emit = (node, ctx) => {
    if (duals.has(node)) return emitDual(node, ctx);
    if (isFunctionLike(node)) return asyncVersion(node, isAsync(node));
    // Accessors, constructors, static blocks: plain code of their own.
    if (ts.isFunctionLike(node) || ts.isClassStaticBlockDeclaration(node)) return copy(node, { gen: false, asyncFn: false });
    if (ts.isAwaitExpression(node)) {
      const inner = emitForced(node.expression, ctx);
      return ctx.gen ? `(yield* $y(${inner}))` : `await $w(${inner})`;
    }
    if (ts.isReturnStatement(node) && node.expression && ctx.asyncFn) {
      const inner = emitForced(node.expression, ctx);
      return ctx.gen && !ctx.plain ? `return yield* $y(${inner});` : `return ${inner};`;
    }
    if (ts.isCallExpression(node) && node.arguments.length > 0 && isNamedTest(node.expression)) {
      const a0 = node.arguments[0];
      if (ts.isStringLiteralLike(a0) || ts.isTemplateExpression(a0)) {
        return spliced(node, ctx, new Map([[a0, `${emit(a0, ctx)} + ${JSON.stringify(label)}`]]));
      }
    }
    return copy(node, ctx);
  };

  const isNamedTest = (c) =>
    (ts.isIdentifier(c) && NAMED_TESTS.has(c.text)) ||
    (ts.isPropertyAccessExpression(c) && NAMED_TESTS.has(c.name.text) && (ts.isIdentifier(c.expression) || ts.isPropertyAccessExpression(c.expression)) && /^(t|test|it|describe|suite|ctx|context)$/.test(ts.isIdentifier(c.expression) ? c.expression.text : c.expression.name.text));

  /** An awaited or returned expression: a call takes the caller's lane's version of a dual. */
  const emitForced = (e, ctx) => {
    const s = stripParens(e);
    const c = calleeOf(s);
    if (c === null || !ctx.asyncFn) return emit(e, ctx);
    const args = `[${s.arguments.map((a) => emit(a, ctx)).join(", ")}]`;
    if (c.fn !== undefined) return `${ctx.gen ? "$gc" : "$ac"}(${emit(s.expression, ctx)}, ${args})`;
    if (dualMethods.has(c.method)) {
      return `${ctx.gen ? "$gcm" : "$acm"}(${emit(s.expression.expression, ctx)}, ${JSON.stringify(c.method)}, ${args})`;
    }
    return emit(e, ctx);
  };

  /** The text of `node` with its children emitted (and `replace`d where given). */
  const spliced = (node, ctx, replace = new Map()) => {
    let out = "";
    let at = ts.isSourceFile(node) ? 0 : node.getStart(sf);
    const list = ts.isBlock(node) || ts.isSourceFile(node) || ts.isModuleBlock(node) || ts.isCaseClause(node) || ts.isDefaultClause(node) ? node.statements : null;
    node.forEachChild((child) => {
      const start = child.getStart(sf);
      out += text.slice(at, start);
      if (list !== null && child === list[0] && placed.has(list)) out += placed.get(list);
      out += replace.has(child) ? replace.get(child) : emit(child, ctx);
      at = child.end;
    });
    return out + text.slice(at, node.end);
  };
  const copy = (node, ctx) => spliced(node, ctx);

  /** The parameter list of `fn` as text. */
  const params = (fn) => `(${fn.parameters.map((p) => copy(p, { gen: false, asyncFn: false })).join(", ")})`;

  /** The generator version's body (a forwarder's: a plain function's body that returns the generator). */
  const genBody = (fn) => {
    const plain = forwarders.has(fn);
    const ctx = { gen: true, asyncFn: true, plain };
    if (ts.isBlock(fn.body)) return emit(fn.body, ctx);
    return plain ? `{ return ${emitForced(fn.body, ctx)}; }` : `{ return yield* $y(${emitForced(fn.body, ctx)}); }`;
  };

  /** A function kept as it is (a dual's async version), its children emitted in the async lane. */
  const asyncVersion = (fn, asyncFn = true) => {
    const ctx = { gen: false, asyncFn };
    // A concise arrow body is a returned expression.
    if (asyncFn && ts.isArrowFunction(fn) && !ts.isBlock(fn.body)) return spliced(fn, ctx, new Map([[fn.body, emitForced(fn.body, ctx)]]));
    return copy(fn, ctx);
  };

  const usesThis = (fn) => {
    let found = false;
    forOwnBody(fn, (n) => {
      if (n.kind === ts.SyntaxKind.ThisKeyword) found = true;
    }, true);
    return found;
  };

  const emitDual = (fn, ctx) => {
    const id = duals.get(fn);
    const parity = id % 2;
    const star = forwarders.has(fn) ? "" : "*";
    if (ts.isFunctionDeclaration(fn)) {
      const name = fn.name.text;
      const exported = (fn.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
      const list = fn.parent.statements;
      marks.set(list, (marks.get(list) ?? "") + `$L.mark(${id}, ${parity}, ${name}, ${name}$async, ${name}$gen); `);
      const asyncText = asyncVersion(fn).replace(/^(export\s+)?(async\s+)?function\s+[A-Za-z_$][\w$]*/, `$2function ${name}$async`);
      return `${exported ? "export " : ""}function ${name}(...args) { return $L.pick(${name}, this, args); }\n${asyncText}\nfunction${star} ${name}$gen${params(fn)} ${genBody(fn)}`;
    }
    if (ts.isMethodDeclaration(fn)) {
      const name = fn.name.text;
      const statik = (fn.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.StaticKeyword) ? "static " : "";
      const asyncText = asyncVersion(fn).replace(new RegExp(`^((?:static\\s+)?(?:async\\s+)?)${name}\\b`), `$1${name}$async`);
      return `${statik}${name}(...args) { return $L.pickMethod(this, ${JSON.stringify(name)}, ${id}, ${parity}, args); }\n${asyncText}\n${statik}${star}${name}$gen${params(fn)} ${genBody(fn)}`;
    }
    let gen;
    if (forwarders.has(fn) && ts.isArrowFunction(fn)) gen = `${params(fn)} => ${genBody(fn)}`;
    else {
      const fname = ts.isFunctionExpression(fn) && fn.name ? ` ${fn.name.text}` : "";
      gen = `function${star}${fname}${params(fn)} ${genBody(fn)}`;
      if (ts.isArrowFunction(fn) && usesThis(fn)) gen = `(${gen}).bind(this)`;
    }
    return `$L.dual(${id}, ${parity}, ${asyncVersion(fn)}, ${gen})`;
  };

  // Marks go before the first statement of each list (collected while emitting, so emit twice:
  // the first pass fills `marks`, the second places them).
  emit(sf, { gen: false, asyncFn: false });
  placed = new Map(marks);
  const body = emit(sf, { gen: false, asyncFn: false });
  const header = `import { laneRuntime as $laneRuntime, $ac, $gc, $acm, $gcm, $y, $w } from ${JSON.stringify(runtimeImport)};\nconst $L = $laneRuntime(${JSON.stringify(mode)}, ${JSON.stringify(fileKey)});\n`;
  return { text: `${header}${body}`, duals: duals.size };
}

/** Transitively the relative imports of `file` (e.g. rules/harness.js), relative to `distTest`. */
function relativeImports(distTest, file, out) {
  const text = readFileSync(join(distTest, file), "utf8");
  for (const m of text.matchAll(/from\s+"(\.\/[^"]+|\.\.\/(?!\.\.\/src\/)[^"]+)"/g)) {
    const dep = relative(distTest, resolve(dirname(join(distTest, file)), m[1]));
    if (!dep.startsWith("..") && !out.has(dep)) {
      out.add(dep);
      relativeImports(distTest, dep, out);
    }
  }
  return out;
}

function main() {
  let dist = join(here, "..", "dist");
  let explain = false;
  for (const arg of process.argv.slice(2)) {
    const m = /^--dist=(.+)$/.exec(arg);
    if (m) dist = resolve(m[1]);
    else if (arg === "--explain") explain = true;
    else {
      console.error(`gen-lane: unknown argument ${arg}; known: --dist=DIR, --explain`);
      process.exit(1);
    }
  }
  const distTest = join(dist, "test");
  const tests = parityFiles(distTest);
  const all = new Set(tests);
  for (const f of tests) relativeImports(distTest, f, all);
  let count = 0;
  for (const mode of ["gen", "mixed"]) {
    const outRoot = join(dist, `test-${mode}`);
    rmSync(outRoot, { recursive: true, force: true });
    for (const file of [...all].sort()) {
      const out = join(outRoot, file);
      mkdirSync(dirname(out), { recursive: true });
      const runtime = relative(dirname(out), join(here, "lane-runtime.mjs")).split("\\").join("/");
      if (explain && mode === "gen") console.log(file);
      const { text } = transform(readFileSync(join(distTest, file), "utf8"), file, mode, runtime.startsWith(".") ? runtime : `./${runtime}`, file, explain && mode === "gen");
      writeFileSync(out, text);
      count++;
    }
  }
  console.log(`gen-lane: ${tests.length} test files (${all.size - tests.length} helper modules) written to dist/test-gen and dist/test-mixed`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main();
