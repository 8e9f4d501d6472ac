/**
 * Diagnostics of `bench/subscriptions.ts`: what the gateway's heap grew by between two V8 heap
 * snapshots (grouped by constructor or kind of object), to show what one idle subscriber is made
 * of; and a summary of a V8 CPU profile of the gateway (`--cpu-profile`).
 */

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Self sizes and counts by group. */
function tally(json: string): Map<string, { count: number; size: number }> {
  const s = JSON.parse(json) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const fType = fields.indexOf("type");
  const fName = fields.indexOf("name");
  const fSize = fields.indexOf("self_size");
  const out = new Map<string, { count: number; size: number }>();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + fType]!]!;
    const name = s.strings[s.nodes[i + fName]!]!;
    let key: string;
    if (type === "object" || type === "native") key = name.length > 60 ? `${name.slice(0, 57)}...` : name;
    else if (type === "array" || type === "hidden" || type === "object shape") key = `(${type}) ${name.length > 40 ? `${name.slice(0, 37)}...` : name}`;
    else if (type === "closure") key = "(closures)";
    else if (type.includes("string")) key = "(strings)";
    else key = `(${type})`;
    const t = out.get(key) ?? { count: 0, size: 0 };
    t.count++;
    t.size += s.nodes[i + fSize]!;
    out.set(key, t);
  }
  return out;
}

/** How the heap grew from `before` to `after`, per subscriber, by group (largest first; compiled code left out). */
export function heapGrowth(before: string, after: string, subscribers: number): { bytes: number; rows: Array<{ key: string; count: number; bytes: number }> } {
  const a = tally(before);
  const b = tally(after);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((key) => {
    const x = a.get(key) ?? { count: 0, size: 0 };
    const y = b.get(key) ?? { count: 0, size: 0 };
    return { key, count: (y.count - x.count) / subscribers, bytes: (y.size - x.size) / subscribers };
  });
  rows.sort((p, q) => q.bytes - p.bytes);
  // Compiled code comes and goes with the JIT, not with subscribers.
  const objects = rows.filter((r) => r.key !== "(code)");
  return { bytes: objects.reduce((sum, r) => sum + r.bytes, 0), rows: objects };
}

/** A V8 CPU profile as the inspector's Profiler.stop returns it. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }>;
  startTime: number;
  endTime: number;
  samples?: number[];
}

/** Where a file belongs: a package under node_modules, a workspace folder, or Node itself. */
function owner(url: string): string {
  if (!url) return "(V8 / native)";
  if (url.startsWith("node:")) return "node core";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + 13).split("/");
    return rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const m = /\/(gateway|packages\/[^/]+|subgraphs\/[^/]+|schema)\/src\/(.*)$/.exec(url);
  return m ? `${m[1]}/src/${m[2]!.split("/").slice(0, -1).join("/") || "."}` : url;
}

/** Where the profiled time went. */
export interface CpuSummary {
  wallMs: number;
  /** JavaScript and native work on the main thread (not idle, not GC). */
  busyMs: number;
  gcMs: number;
  /** By package or workspace folder, most self time first. */
  owners: Array<{ name: string; ms: number }>;
  /** By function, most self time first. */
  functions: Array<{ name: string; ms: number }>;
}

/** Self time by package and by function (the profile is sampled, so these are estimates). */
export function summariseCpuProfile(p: CpuProfile, top = 15): CpuSummary {
  const wallMs = (p.endTime - p.startTime) / 1000;
  const total = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const perSample = total ? wallMs / total : 0;
  const notBusy = new Set(["(idle)", "(program)", "(garbage collector)"]);
  const byFn = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let busy = 0;
  let gc = 0;
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const f = n.callFrame;
    if (f.functionName === "(garbage collector)") gc += hits;
    if (notBusy.has(f.functionName)) continue;
    busy += hits;
    // tsx leaves no source positions worth showing for TypeScript files: name the file only.
    const file = f.url
      ? f.url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*?\/(gateway|packages|subgraphs|schema)\//, "$1/").replace("/src/", "/")
      : "native";
    const key = `${f.functionName || "(anonymous)"} (${file})`;
    byFn.set(key, (byFn.get(key) ?? 0) + hits);
    byOwner.set(owner(f.url), (byOwner.get(owner(f.url)) ?? 0) + hits);
  }
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, h]) => ({ name, ms: h * perSample }));
  return { wallMs, busyMs: busy * perSample, gcMs: gc * perSample, owners: list(byOwner), functions: list(byFn) };
}
