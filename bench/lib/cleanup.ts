/** What to undo if the run fails or is interrupted (servers and floors to stop, stores to remove). */
const tasks: (() => Promise<void>)[] = [];

/** Register an undo step; the returned function runs it now (once) and unregisters it. */
export function atCleanup(task: () => Promise<void>): () => Promise<void> {
  let done = false;
  const once = async (): Promise<void> => {
    if (done) return;
    done = true;
    tasks.splice(tasks.indexOf(once), 1);
    await task();
  };
  tasks.push(once);
  return once;
}

/** Run every registered step, newest first. */
export async function cleanupAll(): Promise<void> {
  for (const task of [...tasks].reverse()) await task().catch(() => undefined);
}
