// Types of pg-cluster.mjs (plain JavaScript so that npm scripts run it without a build).
export interface Cluster {
  /** Admin URL: postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** The cluster's directory (data, socket, log); stopCluster removes it. */
  dir: string;
}
export function findBinaries(): string | undefined;
export function startCluster(): Promise<Cluster>;
export function startReplica(primaryUrl: string): Promise<Cluster>;
export function stopCluster(dir: string): void;
