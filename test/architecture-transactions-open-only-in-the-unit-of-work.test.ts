import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { expect, it } from "vitest";

// Every write goes through UnitOfWork.write (src/db/unit-of-work.ts): it owns the transaction, the
// translation of ORM failures, the audit row and the announcement. Nothing else opens one.

const SRC = resolve("src");
const THE_UNIT_OF_WORK = "db/unit-of-work.ts";

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

it("opens transactions only in the unit of work", () => {
  const files = sourceFiles(SRC).map((path) => ({ file: relative(SRC, path), text: readFileSync(path, "utf8") }));
  expect(files.find(({ file }) => file === THE_UNIT_OF_WORK)?.text).toMatch(/\.transactional\(/);
  const elsewhere = files.filter(({ file, text }) => file !== THE_UNIT_OF_WORK && /\.(transactional|begin)\(|\bbegin\s+transaction\b/i.test(text));
  expect(elsewhere.map(({ file }) => file)).toEqual([]);
});
