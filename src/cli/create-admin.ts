import { parseArgs } from "node:util";
import { createAccountDependencies, createAdmin, generatePassword } from "../auth/index.js";
import { loadConfig } from "../config/index.js";
import { createOrm, createUnitOfWork, migrateUp, seedAccessControl } from "../db/index.js";
import { DomainError } from "../errors/index.js";
import type { CliInput, CliIo, TextSink } from "./io.js";

/**
 * `create-admin --username <name> --email <address>`: an ADMIN user on a database it migrates and
 * seeds first. The password comes from WARDEN_ADMIN_PASSWORD, else a prompt (on a terminal), else
 * it is generated and printed once.
 */
export async function createAdminCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: { username: { type: "string" }, email: { type: "string" } } });
  const { username, email } = values;
  if (username === undefined || email === undefined) {
    io.stderr.write("usage: warden create-admin --username <name> --email <address>\n");
    return 2;
  }
  const config = loadConfig(io.env);
  const offered = io.env["WARDEN_ADMIN_PASSWORD"];
  let password: string;
  let generated = false;
  if (offered !== undefined && offered !== "") {
    password = offered;
  } else if (io.stdin.isTTY === true) {
    password = await promptNewPassword(io.stdin, io.stderr);
  } else {
    password = generatePassword();
    generated = true;
  }
  const deps = await createAccountDependencies(config.security.passwordIterations);
  const orm = await createOrm(config.database);
  try {
    await migrateUp(orm);
    await seedAccessControl(orm.em.fork());
    const admin = await createAdmin(deps, createUnitOfWork(() => orm.em.fork()), { username, email, password });
    io.stdout.write(`created ADMIN user ${admin.username} (${admin.userId})\n`);
    if (generated) io.stdout.write(`password: ${password}\n(shown only now: store it, then change it after logging in)\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    io.stderr.write(`warden: ${error.message}\n`);
    return 1;
  } finally {
    await orm.close();
  }
}

/** Reads a password twice from the terminal without echoing it. */
async function promptNewPassword(input: CliInput, prompts: TextSink): Promise<string> {
  for (;;) {
    const first = await readHidden(input, prompts, "New admin password: ");
    const second = await readHidden(input, prompts, "Repeat the password: ");
    if (first === second && first !== "") return first;
    prompts.write("The passwords differ (or are empty); try again.\n");
  }
}

function readHidden(input: CliInput, prompts: TextSink, question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let typed = "";
    prompts.write(question);
    input.setRawMode?.(true);
    input.resume();
    input.setEncoding("utf8");
    const finish = (outcome: () => void) => {
      input.setRawMode?.(false);
      input.pause();
      input.off("data", onData);
      prompts.write("\n");
      outcome();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === "\r" || char === "\n") return finish(() => resolve(typed));
        if (char === "\u0003") return finish(() => reject(new Error("cancelled")));
        if (char === "\u007f" || char === "\b") typed = typed.slice(0, -1);
        else if (char >= " ") typed += char;
      }
    };
    input.on("data", onData);
  });
}
