import { EventEmitter } from "node:events";
import pg from "pg";
import type { DatabaseConfig } from "../config/index.js";
import { postgresSslOptions } from "./postgres-ssl.js";

/**
 * Tells every instance that something changed, after the change committed:
 * PostgreSQL NOTIFY between instances sharing a database, an in-process event
 * on SQLite (one process owns the file). Payloads are small identifiers, never
 * data: receivers reload what they need.
 */
export interface ChangeNotifier {
  publish(channel: string, payload: string): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(channel: string, listener: (payload: string) => void): () => void;
  /**
   * Called after the connection to the other instances was lost and is back:
   * notifications may have been missed, so caches should reload.
   */
  onReconnect(listener: () => void): () => void;
  close(): Promise<void>;
}

const RECONNECT_DELAY_MS = 1_000;

export async function createChangeNotifier(
  config: DatabaseConfig,
  warn: (message: string) => void,
): Promise<ChangeNotifier> {
  return config.client === "postgres" ? createPostgresNotifier(config, warn) : createInProcessNotifier();
}

function createInProcessNotifier(): ChangeNotifier {
  const events = new EventEmitter().setMaxListeners(0);
  return {
    publish(channel, payload) {
      events.emit(channel, payload);
      return Promise.resolve();
    },
    subscribe(channel, listener) {
      events.on(channel, listener);
      return () => events.off(channel, listener);
    },
    onReconnect: () => () => undefined,
    close: () => Promise.resolve(),
  };
}

/** A dedicated pg.Client (LISTEN holds its connection), reconnected after failures. */
async function createPostgresNotifier(config: DatabaseConfig, warn: (message: string) => void): Promise<ChangeNotifier> {
  const events = new EventEmitter().setMaxListeners(0);
  const channels = new Set<string>();
  let client: pg.Client | undefined;
  let closed = false;

  const connect = async (): Promise<void> => {
    const next = new pg.Client(connectionOptions(config));
    next.on("notification", ({ channel, payload }) => events.emit(channel, payload ?? ""));
    next.on("error", () => {
      if (closed || client !== next) return;
      client = undefined;
      warn("change notifications: connection lost, reconnecting");
      void next.end().catch(() => undefined);
      scheduleReconnect();
    });
    await next.connect();
    for (const channel of channels) await next.query(`listen ${quoteIdentifier(channel)}`);
    client = next;
  };
  const scheduleReconnect = (): void => {
    setTimeout(() => {
      if (closed) return;
      connect().then(
        () => events.emit(RECONNECTED),
        () => scheduleReconnect(),
      );
    }, RECONNECT_DELAY_MS).unref();
  };
  await connect();

  return {
    async publish(channel, payload) {
      if (client === undefined) throw new Error("change notifications: not connected");
      await client.query("select pg_notify($1, $2)", [channel, payload]);
    },
    subscribe(channel, listener) {
      if (!channels.has(channel)) {
        channels.add(channel);
        void client?.query(`listen ${quoteIdentifier(channel)}`).catch(() => undefined);
      }
      events.on(channel, listener);
      return () => events.off(channel, listener);
    },
    onReconnect(listener) {
      events.on(RECONNECTED, listener);
      return () => events.off(RECONNECTED, listener);
    },
    async close() {
      closed = true;
      await client?.end().catch(() => undefined);
    },
  };
}

const RECONNECTED = Symbol("reconnected");

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function connectionOptions(config: DatabaseConfig): pg.ClientConfig {
  return {
    ...(config.host !== undefined && { host: config.host }),
    port: config.port,
    database: config.name,
    ...(config.user !== undefined && { user: config.user }),
    ...(config.password !== undefined && { password: config.password }),
    ssl: postgresSslOptions(config),
    keepAlive: true,
    application_name: "warden-notifier",
  };
}
