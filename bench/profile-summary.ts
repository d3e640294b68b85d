/**
 * `npm run bench:profile -- [PROFILE.cpuprofile | DIR] [--scenario NAME] [--results FILE] [--top 25] [--callers NAME]`
 * `npm run bench:profile -- LOAD.perf.txt [--top 25]`: an on-CPU profile of `npm run bench -- --perf` (see the end)
 *
 * Summarises a V8 CPU profile of the service (`npm run bench -- --cpu-prof` writes them to bench/results/profiles; the
 * newest there unless a file or folder is given) by package: the self time of every sampled function is charged to
 * the package its script belongs to (`node_modules/<package>`, Node's own `node:` modules, our code under dist/ or
 * src/); a function without a script (a V8 builtin or native binding, e.g. a socket write or JSON.parse) is charged
 * to the nearest caller that has one. It prints self time and inclusive time (time with the package anywhere on the
 * stack) per package; the same self time with Node's core charged to the package that called into it (so a socket
 * write shows as mysql2's or fastify's); our code by folder; and the functions with the most self time.
 * `--callers NAME` adds the call paths (four frames up, outside Node's core) that lead to the functions named NAME.
 *
 * `--scenario NAME` keeps only the samples taken while the measured loads whose name starts with NAME ran (their
 * stretches of time and request counts come from `--results`, bench/results/latest.json by default: the run that
 * wrote the profile), and adds CPU per request: each package's share of the profile times the service's CPU per
 * request that the bench read from /proc for those loads. (V8 samples by the clock, not by CPU time: on a busy machine
 * a preempted thread's wait lands in whatever function it was in, so shares are trustworthy, profile milliseconds
 * are not CPU milliseconds.)
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '..');

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Scenario {
  name: string;
  requests: number;
  monotonicUs?: [number, number];
  cpuMsPerRequest?: { service: number };
}

const SPECIAL = new Map([
  ['(garbage collector)', '(garbage collector)'],
  ['(program)', '(V8 and native, no JS frame)'],
  ['(idle)', '(idle)'],
  ['(root)', '(root)'],
]);
const CORE = 'node (core)';

function option(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** The package a script belongs to, or null for a frame without a script (a builtin or native function). */
export function packageOf(url: string): string | null {
  if (!url) return null;
  if (url.startsWith('node:')) return CORE;
  const path = url.replace(/^file:\/\//, '');
  const i = path.lastIndexOf('/node_modules/');
  if (i >= 0) {
    const parts = path.slice(i + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const inRepo = relative(REPO_ROOT, path);
  if (!inRepo.startsWith('..') && /^(dist|src)\//.test(inRepo)) return 'our code';
  return /^(internal|node:)/.test(url) ? CORE : `other (${url})`;
}

/** `database`, `common/idempotency`, ... for our code: the folder under dist/ or src/, two levels deep at most. */
function ourFolder(url: string): string {
  const parts = relative(REPO_ROOT, url.replace(/^file:\/\//, '')).split('/').slice(1, -1);
  return parts.slice(0, 2).join('/') || '(top)';
}

function newestProfile(dir: string): string {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => join(dir, f))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!files.length) throw new Error(`no .cpuprofile in ${dir} (run npm run bench -- --cpu-prof)`);
  return files[0];
}

const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
const ms = (us: number) => (us / 1000).toFixed(0);

function main(argv: string[]): void {
  const target = argv.find((a, i) => !a.startsWith('--') && (i === 0 || !argv[i - 1].startsWith('--'))) ?? join(REPO_ROOT, 'bench', 'results', 'profiles');
  const file = statSync(target).isDirectory() ? newestProfile(target) : target;
  const top = Number(option(argv, 'top') ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;

  let windows: Array<[number, number]> | undefined;
  let requests = 0;
  /** The service's CPU per request from /proc over the chosen loads (0 when unknown). */
  let cpuMsPerRequest = 0;
  const scenarioName = option(argv, 'scenario');
  if (scenarioName) {
    const resultsFile = option(argv, 'results') ?? join(REPO_ROOT, 'bench', 'results', 'latest.json');
    if (!existsSync(resultsFile)) throw new Error(`${resultsFile} not found`);
    const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as { scenarios: Scenario[] };
    const chosen = results.scenarios.filter((s) => s.name.startsWith(scenarioName) && s.monotonicUs);
    if (!chosen.length) throw new Error(`no measured load named "${scenarioName}…" with its time in ${resultsFile}: ${results.scenarios.map((s) => s.name).join('; ')}`);
    windows = chosen.map((s) => s.monotonicUs!);
    requests = chosen.reduce((n, s) => n + s.requests, 0);
    if (chosen.every((s) => s.cpuMsPerRequest)) cpuMsPerRequest = chosen.reduce((n, s) => n + s.cpuMsPerRequest!.service * s.requests, 0) / requests;
    if (!windows.some(([a, b]) => a < profile.endTime && b > profile.startTime)) {
      throw new Error(`the profile (${profile.startTime}–${profile.endTime} µs) does not cover those loads: is ${resultsFile} from the run that wrote it?`);
    }
    console.log(`${chosen.length} load(s) "${scenarioName}…": ${chosen.map((s) => s.name).join('; ')}; ${requests} requests, service CPU ${cpuMsPerRequest.toFixed(2)} ms per request (/proc)`);
  }

  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // The package a node's self time is charged to, and the set of packages on its stack (memoised per node).
  const charged = new Map<number, string>();
  const chargeOf = (id: number): string => {
    const known = charged.get(id);
    if (known) return known;
    const frame = byId.get(id)!.callFrame;
    let label = SPECIAL.get(frame.functionName) ?? packageOf(frame.url);
    if (label === null) {
      const up = parent.get(id);
      label = up === undefined || SPECIAL.has(byId.get(up)!.callFrame.functionName) ? '(native, no JS caller)' : chargeOf(up);
    }
    charged.set(id, label);
    return label;
  };
  // Self time with Node's core (and natives without a JS caller) charged to the nearest package that called into it.
  const requesters = new Map<number, string>();
  const requesterOf = (id: number): string => {
    const known = requesters.get(id);
    if (known) return known;
    const label = chargeOf(id);
    let result = label;
    if (label === CORE) {
      const up = parent.get(id);
      const above = up === undefined ? CORE : requesterOf(up);
      result = above === '(root)' || above.startsWith('(') ? CORE : above;
    }
    requesters.set(id, result);
    return result;
  };
  const stacks = new Map<number, Set<string>>();
  const stackOf = (id: number): Set<string> => {
    const known = stacks.get(id);
    if (known) return known;
    const up = parent.get(id);
    const set = new Set(up === undefined ? [] : stackOf(up));
    set.add(chargeOf(id));
    stacks.set(id, set);
    return set;
  };

  const callersOf = option(argv, 'callers');
  const paths = new Map<string, number>();
  const frameText = (n: ProfileNode) => `${n.callFrame.functionName || '(anonymous)'} [${chargeOf(n.id)}]`;
  const requested = new Map<string, number>();
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const ours = new Map<string, number>();
  const functions = new Map<string, { us: number; label: string }>();
  const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
  let time = profile.startTime;
  let busy = 0;
  let idle = 0;
  let sampled = 0;
  const meanDelta = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  for (let i = 0; i < profile.samples.length; i++) {
    time += profile.timeDeltas[i];
    if (windows && !windows.some(([a, b]) => time >= a && time <= b)) continue;
    // A sample stands for the time until the next one.
    const us = i + 1 < profile.timeDeltas.length ? profile.timeDeltas[i + 1] : meanDelta;
    const id = profile.samples[i];
    const node = byId.get(id)!;
    const label = chargeOf(id);
    sampled++;
    if (label === '(idle)') {
      idle += us;
      continue;
    }
    busy += us;
    add(self, label, us);
    add(requested, requesterOf(id), us);
    if (callersOf && node.callFrame.functionName === callersOf) {
      // Node's own frames (socket and stream plumbing) are skipped: the path shows who asked.
      const path: string[] = [];
      for (let up = parent.get(id); up !== undefined && path.length < 4; up = parent.get(up)) {
        if (chargeOf(up) !== CORE && chargeOf(up) !== '(root)') path.push(frameText(byId.get(up)!));
      }
      add(paths, path.join(' ← '), us);
    }
    for (const p of stackOf(id)) if (p !== '(root)') add(inclusive, p, us);
    const frame = node.callFrame;
    if (label === 'our code' && frame.url) add(ours, ourFolder(frame.url), us);
    const where = frame.url ? `${frame.url.replace(/^file:\/\//, '').replace(`${REPO_ROOT}/`, '').replace(/^.*\/node_modules\//, '')}:${frame.lineNumber + 1}` : '(native)';
    const key = `${frame.functionName || '(anonymous)'} ${where}`;
    functions.set(key, { us: (functions.get(key)?.us ?? 0) + us, label });
  }

  const cpuShare = (us: number) => (cpuMsPerRequest ? ` | ${((us / busy) * cpuMsPerRequest).toFixed(3)}` : '');
  console.log(`profile ${relative(process.cwd(), file)}: ${sampled} samples, ${ms(busy)} ms busy, ${ms(idle)} ms idle (main thread)`);
  const cpuHead = cpuMsPerRequest ? ' | ≈ CPU ms/request' : '';
  const cpuRule = cpuMsPerRequest ? '---:|' : '';
  console.log(`\n| package (self time) | self ms | self %${cpuHead} | inclusive % |\n|---|---:|---:|${cpuRule}---:|`);
  for (const [label, us] of [...self].sort((a, b) => b[1] - a[1])) {
    console.log(`| ${label} | ${ms(us)} | ${pct(us, busy)}${cpuShare(us)} | ${pct(inclusive.get(label) ?? us, busy)} |`);
  }
  console.log(`\n| package, Node core charged to its caller | self ms | self %${cpuHead} |\n|---|---:|---:|${cpuRule}`);
  for (const [label, us] of [...requested].sort((a, b) => b[1] - a[1])) console.log(`| ${label} | ${ms(us)} | ${pct(us, busy)}${cpuShare(us)} |`);
  const oursTotal = self.get('our code') ?? 0;
  if (oursTotal) {
    console.log(`\n| our code, by folder | self ms | % of busy${cpuHead} |\n|---|---:|---:|${cpuRule}`);
    for (const [folder, us] of [...ours].sort((a, b) => b[1] - a[1])) console.log(`| ${folder} | ${ms(us)} | ${pct(us, busy)}${cpuShare(us)} |`);
  }
  console.log(`\n| function (top ${top} by self time) | charged to | self ms | % of busy |\n|---|---|---:|---:|`);
  for (const [key, { us, label }] of [...functions].sort((a, b) => b[1].us - a[1].us).slice(0, top)) {
    console.log(`| ${key.replace(/\|/g, '\\|')} | ${label} | ${ms(us)} | ${pct(us, busy)} |`);
  }
  if (callersOf) {
    const total = [...paths.values()].reduce((a, b) => a + b, 0);
    console.log(`\n| callers of ${callersOf} (${ms(total)} ms, ${pct(total, busy)} of busy) | ms | share |\n|---|---:|---:|`);
    for (const [path, us] of [...paths].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`| ${path} | ${ms(us)} | ${pct(us, total)} |`);
  }
}

/**
 * An on-CPU profile (`perf script` output written by `npm run bench -- --perf`, perf-record.ts): every sample is CPU
 * time of one of the service's threads. Each is sorted by what ran (JavaScript, V8's builtins and runtime, GC, the
 * kernel, ...) and charged, like the V8 summary's second table, to the nearest JavaScript frame of a package outside
 * Node's core (so a socket write, in the kernel, is charged to mysql2 or fastify). The first line of the file tells the
 * load and the service's CPU per request read from /proc for it.
 */
const JIT = "V8's JIT compiler (all threads)";

function summarisePerf(file: string, top: number): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const load = lines[0].startsWith('# bench: ') ? (JSON.parse(lines[0].slice('# bench: '.length)) as { name: string; requests: number; serviceCpuMsPerRequest: number; frequencyHz: number }) : undefined;
  const records = lines.filter((l) => !l.startsWith('# ')).join('\n').split(/\n\s*\n/).filter((r) => r.trim());
  const kinds = new Map<string, number>();
  const charged = new Map<string, number>();
  const kernel = new Map<string, number>();
  const leaves = new Map<string, number>();
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  const jsFrame = /^(?:JS|LazyCompile|Function):[*~^+-]?(\S*)\s+(\S+):(\d+):\d+$/;
  const shortUrl = (url: string) => url.replace(`${REPO_ROOT}/`, '').replace(/^.*\/node_modules\//, '');
  let samples = 0;
  for (const record of records) {
    const frames = record
      .split('\n')
      .slice(1)
      .map((line) => /^\s*[0-9a-f]+\s+(.*)\s+\(([^)]*)\)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ sym: m[1], dso: m[2] }));
    if (!frames.length) continue;
    samples++;
    const leaf = frames[0];
    const inKernel = (f: { dso: string }) => f.dso.includes('kernel');
    let kind: string;
    if (frames.some((f) => /Heap::CollectGarbage|Scavenger|MarkCompact|ConcurrentMarking|Sweeper|MinorGC|IncrementalMarking/.test(f.sym))) kind = 'garbage collection (all threads)';
    else if (frames.some((f) => /OptimizingCompileDispatcher|TurbofanCompilationJob|Maglev|compiler::Pipeline|Compiler::Compile|BaselineBatchCompiler/.test(f.sym))) kind = JIT;
    else if (inKernel(leaf)) kind = 'kernel';
    else if (leaf.dso.startsWith('/tmp/perf-')) kind = 'JavaScript (compiled code)';
    else if (/^Builtins_|Interpreter/.test(leaf.sym)) kind = "V8's builtins and interpreter";
    else if (leaf.sym.includes('v8::')) kind = "V8's runtime (IC misses, property lookups, ...)";
    else if (/^node::|^uv_|^uv__/.test(leaf.sym)) kind = 'node C++ and libuv';
    else if (leaf.dso.includes('libc')) kind = 'libc (malloc, memcpy, syscalls)';
    else kind = 'other native code';
    add(kinds, kind);
    let nearest: string | undefined;
    let outside: string | undefined;
    for (const f of frames) {
      const m = jsFrame.exec(f.sym);
      if (!m) continue;
      const p = packageOf(m[2]);
      nearest ??= p ?? undefined;
      if (p && p !== CORE) {
        outside = p;
        break;
      }
    }
    const label = kind.startsWith('garbage') ? '(garbage collection)' : kind === JIT ? '(JIT compiler)' : (outside ?? nearest ?? `(no JavaScript frame: ${kind})`);
    add(charged, label);
    if (kind === 'kernel') {
      const entry = frames.find((f) => !inKernel(f))?.sym ?? '?';
      add(kernel, `${entry.replace(/^_*(GI_)?_*(libc_)?/, '')} ← ${outside ?? nearest ?? '(no JavaScript frame)'}`);
    }
    const m = jsFrame.exec(leaf.sym);
    add(leaves, m ? `${m[1] || '(anonymous)'} ${shortUrl(m[2])}:${m[3]}` : `${leaf.sym} (${inKernel(leaf) ? 'kernel' : leaf.dso.replace(/^.*\//, '')})`);
  }
  const cpuMs = load?.serviceCpuMsPerRequest ?? 0;
  const share = (n: number) => `${((100 * n) / samples).toFixed(1)} %${cpuMs ? ` | ${((n / samples) * cpuMs).toFixed(3)}` : ''}`;
  const head = cpuMs ? ' | ≈ CPU ms/request' : '';
  const rule = cpuMs ? '---:|' : '';
  const table = (title: string, map: Map<string, number>, limit = Infinity) => {
    console.log(`\n| ${title} | share${head} |\n|---|---:|${rule}`);
    for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) console.log(`| ${key.replace(/\|/g, '\\|')} | ${share(n)} |`);
  };
  console.log(
    `on-CPU profile ${relative(process.cwd(), file)}: ${samples} samples${load ? ` (${(samples / load.frequencyHz).toFixed(1)} CPU s at ${load.frequencyHz} Hz) of "${load.name}", ${load.requests} requests, service CPU ${cpuMs} ms per request (/proc)` : ''}`,
  );
  table('what ran', kinds);
  table('charged to the nearest package outside Node core (with the builtins, runtime and kernel work below it)', charged);
  table('kernel time by the call that entered it ← package', kernel, 12);
  table(`top ${top} leaf functions`, leaves, top);
}

try {
  const argv = process.argv.slice(2);
  const file = argv.find((a) => a.endsWith('.perf.txt'));
  if (file) summarisePerf(file, Number(option(argv, 'top') ?? 25));
  else main(argv);
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
