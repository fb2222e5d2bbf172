/** Progress on stderr (stdout carries the report): `[bench 08:12:03] message`. */
export function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}
