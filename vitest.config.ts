import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // MikroORM migrations are TypeScript files loaded at run time (STACK.md pitfall 9).
    execArgv: ["--import", "tsx"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the cores: a single worker on a two-core machine.
    // Test files spend much of their time waiting (on the database, on password hashes in the
    // thread pool), so one file per core keeps both cores busy.
    maxWorkers: 2,
    // Every file starts its own servers on port 0 and its own databases, so files can share a
    // worker's module cache: importing the server's module graph once per worker rather than once
    // per file is most of the suite's time otherwise. (So no test may replace a module with vi.mock.)
    isolate: false,
  },
});
