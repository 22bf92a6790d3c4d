// Live updates by polling (every 2 s by default) while the page is visible; stops on unmount.
// The run inspector follows runs over Server-Sent Events (useRunStream.ts) and polls only when the stream
// keeps failing; `immediate: false` leaves the start to restart().
import { onBeforeUnmount, onMounted, ref } from 'vue';

export function usePolling(task: () => Promise<boolean | void>, intervalMs = 2000, options: { immediate?: boolean } = {}) {
  const active = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  async function tick(): Promise<void> {
    if (stopped) return;
    let keepGoing: boolean | void = true;
    try {
      if (document.visibilityState !== 'hidden') keepGoing = await task();
    } finally {
      active.value = keepGoing !== false && !stopped;
      if (active.value) timer = setTimeout(() => void tick(), intervalMs);
    }
  }
  function stop(): void {
    stopped = true;
    active.value = false;
    if (timer) clearTimeout(timer);
  }
  function restart(): void {
    if (timer) clearTimeout(timer);
    stopped = false;
    void tick();
  }
  if (options.immediate !== false) onMounted(() => void tick());
  onBeforeUnmount(stop);
  return { active, stop, restart };
}
