/** Whether `work` fulfils within `timeoutMs`; a rejection or a timeout is false, never a throw. */
export async function succeedsWithin(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const succeeded = work.then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([succeeded, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
