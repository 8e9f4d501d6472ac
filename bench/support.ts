/** What the benchmarks share: percentiles, a cleanup stack, and writing their section of BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "@concord/service-kit";

/** The nearest-rank percentile `p` (0-100) of `xs`, in any order; NaN when empty. */
export function percentile(xs: number[], p: number): number {
  const sorted = [...xs].sort((x, y) => x - y);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] ?? NaN;
}

/**
 * Cleanups run once, last registered first, whoever calls `cleanup` (the run's end, a signal);
 * a second caller waits for the first.
 */
export function cleanupStack(log: (msg: string) => void): { defer(fn: () => Promise<void>): void; cleanup(): Promise<void> } {
  const fns: Array<() => Promise<void>> = [];
  let running: Promise<void> | undefined;
  return {
    defer: (fn) => void fns.push(fn),
    cleanup: () =>
      (running ??= (async () => {
        while (fns.length) {
          try {
            await fns.pop()!();
          } catch (err) {
            log(`cleanup failed: ${(err as Error).message}`);
          }
        }
      })()),
  };
}

/**
 * Puts `text` (which starts with its `## title` line) in BENCHMARKS.md in place of the section of
 * that title, up to the next `#`/`##` heading, or at the end when there is none. Returns the path.
 */
export function writeBenchmarkSection(title: string, text: string): string {
  const file = join(repoRoot, "BENCHMARKS.md");
  if (!existsSync(file)) {
    writeFileSync(file, `# Benchmarks\n\n${text.replace(/\n*$/, "\n")}`);
    return file;
  }
  const old = readFileSync(file, "utf8");
  const lines = old.split("\n");
  const startIdx = lines.findIndex((l) => l.trim() === title);
  if (startIdx === -1) {
    writeFileSync(file, `${old.replace(/\n*$/, "")}\n\n${text}`.replace(/\n*$/, "\n"));
    return file;
  }
  let endIdx = lines.findIndex((l, i) => i > startIdx && /^#{1,2} /.test(l));
  if (endIdx === -1) endIdx = lines.length;
  const before = lines.slice(0, startIdx).join("\n");
  const after = lines.slice(endIdx).join("\n");
  writeFileSync(file, `${before}${before ? "\n" : ""}${text}${after ? `\n${after}` : ""}`.replace(/\n*$/, "\n"));
  return file;
}
