import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Kind, parse, validate, type DocumentNode, type OperationDefinitionNode } from "graphql";
import { describe, expect, it } from "vitest";
import { repoRoot } from "@concord/service-kit";
import { compose } from "./compose";

/**
 * The operations README.md and docs/ show a user, as printed: every ```graphql block, every
 * curl body's "query", every `npm run subscribe` operation. Each must be valid against the API
 * schema the gateway serves, so an example cannot fall behind the graph.
 */
function examples(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/```graphql\n([\s\S]*?)```/g)) out.push(m[1]!);
  for (const m of text.matchAll(/"query":\s*\n?\s*"((?:[^"\\]|\\.)*)"/g)) out.push(JSON.parse(`"${m[1]}"`));
  for (const m of text.matchAll(/npm run (?:-s )?subscribe[^']*'((?:subscription|query)[^']*)'/g)) out.push(m[1]!);
  return out;
}

/** Each operation of a block on its own (a block may hold several anonymous ones). */
function operations(block: string): DocumentNode[] {
  const doc = parse(block);
  const fragments = doc.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION);
  return doc.definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => ({ kind: Kind.DOCUMENT, definitions: [op, ...fragments] }));
}

describe("the examples a user is shown", () => {
  const files = ["README.md", ...["architecture.md", "access.md", "events.md", "contact-rules.md", "README.md"].map((f) => join("docs", f))];

  it("are valid operations of the graph the gateway serves", async () => {
    const { apiSchema, errors } = await compose();
    expect(errors).toEqual([]);
    const problems: string[] = [];
    const kinds = new Set<string>();
    let count = 0;
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(join(repoRoot, file), "utf8");
      } catch {
        continue;
      }
      for (const block of examples(text)) {
        for (const op of operations(block)) {
          count++;
          kinds.add((op.definitions[0] as OperationDefinitionNode).operation);
          for (const e of validate(apiSchema!, op)) problems.push(`${file}: ${e.message}`);
        }
      }
    }
    expect(problems).toEqual([]);
    // Not vacuous: the README shows queries, mutations and subscriptions.
    expect(count).toBeGreaterThanOrEqual(12);
    expect([...kinds].sort()).toEqual(["mutation", "query", "subscription"]);
  });
});
