export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const RUN_MODES = ["development", "production"] as const;
export type RunMode = (typeof RUN_MODES)[number];

export type DatabaseClient = "sqlite" | "postgres";

/** libpq's sslmode values; see orm.ts for what each one means with node-postgres. */
export const SSL_MODES = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

export interface DatabaseConfig {
  client: DatabaseClient;
  /** DATABASE_URL as given; host, port, name, user, password and sslMode below already include its parts. */
  url?: string;
  host?: string;
  port: number;
  name: string;
  user?: string;
  password?: string;
  /** SQLite database file (or ":memory:"). */
  filename: string;
  /** PostgreSQL only: connections kept open when idle. */
  poolSize: number;
  /** PostgreSQL only: extra connections opened under load and closed again when idle. */
  maxOverflow: number;
  sslMode: SslMode;
  /** PEM file of the CA that signed the server certificate (verify-ca / verify-full). */
  sslRootCertFile?: string;
  echo: boolean;
  /** A connection older than this is closed instead of being reused. */
  recycleSeconds: number;
}

export interface TlsConfig {
  certFile: string;
  keyFile: string;
}

export interface EncryptionConfig {
  /** Raw key specs, newest first: DATABASE_ENCRYPTION_KEY, then DATABASE_ENCRYPTION_OLD_KEYS. */
  keys: string[];
  /** Where development mode keeps a generated key. */
  dataDir: string;
}

export interface TokenConfig {
  issuer: string;
  audience: string;
  accessTtlSeconds: number;
  refreshTtlSeconds: number;
  sessionMaxLifetimeSeconds: number;
}

export interface SecurityConfig {
  maxFailedLogins: number;
  lockoutBaseSeconds: number;
  /** Per client IP. */
  loginRateLimitPerMinute: number;
  passwordIterations: number;
}

/** The flagd-compatible listener is off unless a port or a socket is configured. */
export interface FlagdConfig {
  port?: number;
  socketPath?: string;
}

export interface Config {
  mode: RunMode;
  host: string;
  /** 0 asks the OS for a free port. */
  grpcPort: number;
  httpPort: number;
  logLevel: LogLevel;
  maxMessageBytes: number;
  shutdownGraceMs: number;
  tls?: TlsConfig;
  database: DatabaseConfig;
  encryption: EncryptionConfig;
  redisUrl?: string;
  tokens: TokenConfig;
  security: SecurityConfig;
  environments: string[];
  flagd: FlagdConfig;
}
